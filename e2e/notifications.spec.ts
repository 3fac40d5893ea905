import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "./stack";
import { colorTask } from "../lib/testing/tiny-model/task";
import { contradictedVersion, jobOf } from "./local-data";
import { screenshotPage } from "./screenshot";

// Notifications from Settings, against a receiver this test runs: add a webhook (its secret shown once), send a
// test, then a local job's ending reaches it signed, and the page shows the last delivery.

type Received = { headers: http.IncomingHttpHeaders; body: string };

test("a webhook added in Settings is told, signed, when a job ends", async ({ page, request }) => {
  test.setTimeout(120_000);
  const received: Received[] = [];
  const receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const port = (receiver.address() as AddressInfo).port;
  try {
    await page.goto("/settings");
    const card = page.locator("#notifications");
    await card.getByLabel("Webhook URL").fill(`http://127.0.0.1:${port}/services/T01/B02/s3cretTokenPart`);
    await card.getByRole("group", { name: "When a job" }).getByLabel("cancelled").uncheck();
    await card.getByRole("button", { name: "Add webhook" }).click();
    const secret = (await card.getByTestId("new-webhook-secret").textContent())!;
    expect(secret).toMatch(/^whsec_/);
    const row = card.locator("tr[data-webhook-id]");
    await expect(row.locator("td").first()).toHaveText(`127.0.0.1:${port}/…/Part`);
    await expect(row.locator("td").nth(1)).toHaveText("job succeeded, job failed, evaluation succeeded, evaluation failed, evaluation cancelled");
    await expect(page.getByText("s3cretToken")).toHaveCount(0);

    await row.getByRole("button", { name: "Send a test" }).click();
    await expect(card.getByText("The test message was delivered")).toBeVisible();
    expect(JSON.parse(received.at(-1)!.body)).toMatchObject({ event: "ping" });
    await screenshotPage(page, "e2e/artifacts/notifications-settings.png");

    const { datasetId, versionNumber } = await contradictedVersion(request, colorTask(8), colorTask(4, 8));
    const res = await request.post("/api/jobs", {
      data: { provider: "local", datasetId, versionNumber, baseModel: "tiny-chat", suffix: "notify", config: { lora: { rank: 4 }, quantization: { quant: "none" }, training: { epochs: 1, backend: "cpu" } } },
    });
    expect(res.status(), await res.text()).toBe(201);
    const id = ((await res.json()) as { job: { id: string } }).job.id;
    await expect.poll(async () => (await jobOf(request, id)).status, { timeout: 60_000 }).toBe("succeeded");
    // Within a few seconds of the ending (the workers look every 5 s).
    await expect.poll(() => received.filter((r) => r.body.includes(id)).length, { timeout: 30_000 }).toBe(1);
    const got = received.find((r) => r.body.includes(id))!;
    expect(got.headers["x-tuneforge-signature"]).toBe(`sha256=${createHmac("sha256", secret).update(got.body).digest("hex")}`);
    const body = JSON.parse(got.body) as { event: string; text: string; job: { id: string; url: string } };
    expect(body.event).toBe("job.succeeded");
    expect(body.text).toMatch(new RegExp(`^tuneforge: local job tiny-chat · notify on local-e2e-stop-\\d+ v1 succeeded \\(\\d+ steps, training loss [\\d.]+, validation loss [\\d.]+\\)\\. http://\\S+/jobs/${id}$`));

    await page.reload();
    await expect(row.getByTestId("webhook-last-delivery")).toContainText("✓ job.succeeded: 200 OK");
    await row.getByRole("button", { name: /^Delete webhook/ }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete webhook" }).click();
    await expect(card.getByText("No webhooks yet.")).toBeVisible();
  } finally {
    await new Promise((r) => receiver.close(r));
  }
});
