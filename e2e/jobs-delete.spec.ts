import type { APIRequestContext } from "@playwright/test";
import { EMULATOR, expect, test } from "./stack";
import { colorTask } from "../lib/testing/tiny-model/task";
import { launchHostedJob, sampleVersion, useEmulatorKey } from "./hosted-data";
import { contradictedVersion, jobOf } from "./local-data";
import { screenshotPage } from "./screenshot";

// Deleting jobs: one from its page (back to the list, gone from the API), and a selection from the list, where a
// job still running is refused by name while the finished ones go.

const API_KEY = "sk-test-e2e-delete-0000abcd";

test("a finished job is deleted from its page, and a selection from the list, a running one refused by name", async ({ page, request }) => {
  test.setTimeout(120_000);
  const { datasetId, versionNumber } = await contradictedVersion(request, colorTask(8), colorTask(4, 8));
  const launch = { provider: "local", datasetId, versionNumber, baseModel: "tiny-chat", config: { lora: { rank: 4 }, quantization: { quant: "none" }, training: { epochs: 1, batchSize: 4, backend: "cpu" } } };
  const res = await request.post("/api/jobs/sweep", { data: { launch, sweep: { field: "seed", values: [1, 2, 3] } } });
  expect(res.status(), await res.text()).toBe(201);
  const [single, ...pair] = ((await res.json()) as { jobs: { id: string }[] }).jobs.map((j) => j.id);
  for (const id of [single!, ...pair]) await expect.poll(async () => (await jobOf(request, id)).status, { timeout: 60_000 }).toBe("succeeded");

  await page.goto(`/jobs/${single}`);
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("Delete this job?");
  await expect(dialog).toContainText("Evaluations keep their results.");
  await dialog.getByRole("button", { name: "Delete job" }).click();
  await page.waitForURL(/\/jobs$/);
  expect((await request.get(`/api/jobs/${single}`)).status()).toBe(404);

  // A hosted job that has not finished is refused; the two finished ones go. It waits in OpenAI's queue until the
  // end of the test, however slow the machine: the emulator's queue wait is made long for it.
  await useEmulatorKey(request, API_KEY);
  const sample = await sampleVersion(request);
  await emulatorTiming(request, { queuedMs: 600_000 });
  try {
    const hosted = await launchHostedJob(request, sample.datasetId, sample.version.number, "delete-me");
    await page.goto("/jobs");
    for (const id of [...pair, hosted]) await page.locator(`tr[data-job-id="${id}"] input[type=checkbox]`).check();
    await page.getByRole("button", { name: "Delete (3)" }).click();
    await expect(dialog).toContainText("Delete 3 jobs?");
    await screenshotPage(page, "e2e/artifacts/jobs-delete-dialog.png");
    await dialog.getByRole("button", { name: "Delete 3 jobs" }).click();
    await expect(dialog).toContainText(new RegExp(`2 deleted; not deleted: gpt-4o-mini-2024-07-18 · delete-me: Job ${hosted} is (queued|uploading|validating_files|running); cancel it first, then delete it\\.`));
    await dialog.getByRole("button", { name: "Cancel" }).click();
    for (const id of pair) await expect(page.locator(`tr[data-job-id="${id}"]`)).toHaveCount(0);
    await expect(page.locator(`tr[data-job-id="${hosted}"]`)).toHaveCount(1);
    await expect(page.getByRole("button", { name: "Delete (1)" })).toBeVisible();
    await request.post(`/api/jobs/${hosted}/cancel`);
  } finally {
    await emulatorTiming(request, { queuedMs: 1000 });
  }
});

/** The e2e emulator's pace (scripts/serve-e2e.ts sets queuedMs 1000). */
async function emulatorTiming(request: APIRequestContext, timing: Record<string, number>) {
  const res = await request.post(`${EMULATOR}/_emulator/timing`, { data: timing });
  expect(res.ok(), await res.text()).toBe(true);
}
