import { expect, test } from "./stack";
import { E2E_TINY_MODEL } from "../scripts/lib/test-env";
import { jobOf } from "./local-data";
import { screenshotPage } from "./screenshot";

// Local DPO the way a user goes: a dataset of preference pairs (prompt, preferred and non-preferred answer) frozen
// into a version, the launch form (provider Local) saying it trains with DPO and asking for beta, the token
// preview of a pair's preferred side, then the job page with the DPO loss from ln 2 and the reward accuracy, on the
// GPU worker's CPU backend with the generated tiny-chat model.

const DIR = "e2e/artifacts";
const COLORS = [["sky", "blue"], ["grass", "green"], ["snow", "white"], ["coal", "black"], ["sun", "yellow"], ["blood", "red"]];

test("a preference version launches a local DPO job from the form, which trains to a rising reward accuracy", async ({ page, request }) => {
  test.setTimeout(180_000);
  const made = await request.post("/api/datasets", { data: { name: `local-dpo-e2e-${Date.now()}` } });
  expect(made.ok(), await made.text()).toBe(true);
  const datasetId = ((await made.json()) as { dataset: { id: string } }).dataset.id;
  for (let i = 0; i < 24; i++) {
    const [thing, color] = COLORS[i % COLORS.length]!;
    const wrong = COLORS[(i + 1) % COLORS.length]![1];
    const res = await request.post(`/api/datasets/${datasetId}/examples`, {
      data: {
        messages: [{ role: "system", content: "Answer in JSON." }, { role: "user", content: `What color is the ${thing}? (${i})` }],
        preference: { preferred_output: [{ role: "assistant", content: `{"color": "${color}"}` }], non_preferred_output: [{ role: "assistant", content: `{"color": "${wrong}"}` }] },
      },
    });
    expect(res.ok(), await res.text()).toBe(true);
  }
  const v = await request.post(`/api/datasets/${datasetId}/versions`, { data: { note: "e2e dpo" } });
  expect(v.ok(), await v.text()).toBe(true);
  const version = ((await v.json()) as { version: { number: number; trainCount: number; validationCount: number } }).version;

  await page.goto(`/jobs/new?dataset=${datasetId}&version=${version.number}`);
  await page.getByRole("radio", { name: "Local", exact: true }).check();
  await expect(page.getByLabel("Base model")).toHaveValue(E2E_TINY_MODEL);
  const dpo = page.getByTestId("local-dpo");
  await expect(dpo).toContainText("This version holds preference pairs, so the job trains with Direct Preference Optimization");
  await expect(page.getByLabel("DPO beta")).toHaveValue("0.1");
  await page.getByLabel("DPO beta").fill("0.5");
  await expect(page.getByRole("checkbox", { name: /Packing/ })).toBeDisabled();
  await page.getByLabel("Quantization of the frozen weights").selectOption("none");
  await page.getByLabel("Epochs").fill("6");
  await page.getByLabel("Micro-batch (pairs)").fill("4");
  await page.getByLabel("Gradient accumulation").fill("1");
  await page.getByLabel("Learning rate").fill("0.005");
  await page.getByLabel("Backend").selectOption("cpu");
  const steps = Math.ceil(version.trainCount / 4) * 6;
  const panel = page.getByTestId("local-estimate");
  await expect(panel.getByTestId("local-total-steps")).toHaveText(String(steps));
  // The panel counts pairs, two sequences each, and sizes memory for both answers of each pair in a pass.
  await expect(panel.getByText("Training pairs", { exact: true })).toBeVisible();
  await expect(panel.getByTestId("local-units")).toHaveText(String(version.trainCount));
  await expect(panel.getByTestId("local-sequences")).toHaveText(String(2 * version.trainCount));
  await expect(panel.getByRole("heading", { name: /micro-batch 4 pairs = 8 sequences \(DPO\)/ })).toBeVisible();

  // The preview of a pair: the prompt untrained, the preferred answer trained.
  await page.getByRole("button", { name: "Preview tokens" }).click();
  const preview = page.getByTestId("token-preview");
  await expect(preview).toBeVisible();
  expect((await preview.locator("[data-trained]").allTextContents()).join("")).toMatch(/color/);
  await screenshotPage(page, `${DIR}/local-dpo-launch.png`);

  await page.getByRole("button", { name: "Launch locally" }).click();
  await page.waitForURL((url) => /^\/jobs\/(?!new$)[^/]+$/.test(url.pathname));
  const id = new URL(page.url()).pathname.split("/").pop()!;
  await expect(page.getByText("succeeded", { exact: true }).first()).toBeVisible({ timeout: 150_000 });
  const job = await jobOf(request, id);
  expect(job.method).toBe("dpo");
  expect(job.metrics).toHaveLength(steps);
  expect(job.metrics[0]!.trainLoss).toBeCloseTo(Math.log(2), 5);
  expect(job.metrics[0]!.trainAccuracy).toBe(0);
  expect(job.metrics.at(-1)!.trainAccuracy!).toBeGreaterThan(0.5);
  await expect(page.getByRole("heading", { name: "DPO loss" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Reward accuracy" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Token accuracy" })).toHaveCount(0);
  // The reward margin has a chart of its own: a training point every step, validation where evaluated.
  await expect(page.getByRole("heading", { name: "Reward margin" })).toBeVisible();
  // No validation split and no whole-set pass at epoch ends: the legends name only the lines drawn.
  for (const metric of ["loss", "accuracy", "margin"]) await expect(page.getByTestId(`legend-${metric}`)).toHaveText(/^━ training\s+·\s+┆ epoch boundary$/);
  await expect(page.getByTestId("chart-margin")).toHaveAttribute("data-train-points", String(steps));
  // The checkpoints table shows each checkpoint's reward accuracy instead of a full-validation loss.
  const checkpoints = page.getByRole("table", { name: "Checkpoints" });
  await expect(checkpoints.getByRole("columnheader", { name: "Reward accuracy", exact: true })).toBeVisible();
  await expect(checkpoints.getByRole("columnheader", { name: "Full valid loss" })).toHaveCount(0);
  await expect(checkpoints.getByRole("row").last()).toContainText(`${Math.round(job.metrics.at(-1)!.trainAccuracy! * 100)} %`);
  expect(job.metrics.at(-1)!.rewardMargin!).toBeGreaterThan(0);
  await expect(page.getByRole("list", { name: "Job events, newest first" }).getByText(/^Succeeded after \d+ steps: DPO train loss [\d.]+ \(reward accuracy \d+ %/)).toBeVisible();
  // Each chart's value axis names each tick once. The run starts flat (ln 2, margin 0), where recharts' repeated
  // ticks used to stay on screen as stale labels over the ones drawn later.
  for (const chart of ["chart-loss", "chart-margin"]) {
    const labels = await page.getByTestId(chart).locator('.recharts-cartesian-axis-tick-label text[text-anchor="end"]').allTextContents();
    expect(labels.length, chart).toBeGreaterThan(2);
    expect(labels, chart).toEqual([...new Set(labels)]);
  }
  await screenshotPage(page, `${DIR}/local-dpo-succeeded.png`);
});
