import { expect, test } from "./stack";
import { colorTask, colorTaskContradicted } from "../lib/testing/tiny-model/task";
import { contradictedVersion, jobOf } from "./local-data";
import { screenshotPage } from "./screenshot";

// Early stopping and the best step from the launch form, the way a user goes: the fields and their validation-split
// hint, a long run that stops once the validation loss stops improving, and the job page saying so: "Stopped early",
// the adapter's step, the event log's sentence.

const DIR = "e2e/artifacts";

test("a local job with early stopping and the best step stops early and keeps the best step's adapter", async ({ page, request }) => {
  test.setTimeout(180_000);
  const { datasetId, versionNumber } = await contradictedVersion(request, colorTask(8), colorTaskContradicted(6, 2));

  await page.goto(`/jobs/new?dataset=${datasetId}&version=${versionNumber}`);
  await page.getByRole("radio", { name: "Local", exact: true }).check();
  await expect(page.locator("#local-stopping-hint")).toHaveText("These act on the validation loss, measured at each validation interval.");
  await page.getByLabel("Rank (r)").fill("8");
  await page.getByLabel("Alpha", { exact: true }).fill("16");
  await page.getByLabel("Dropout").fill("0");
  await page.getByLabel("Quantization of the frozen weights").selectOption("none");
  // 8 examples in micro-batches of 4: 2 steps an epoch, validated at each epoch end; 40 epochs planned.
  await page.getByLabel("Epochs").fill("40");
  await page.getByLabel("Micro-batch").fill("4");
  await page.getByLabel("Gradient accumulation").fill("1");
  await page.getByLabel("Learning rate").fill("0.05");
  await page.getByLabel("Warmup ratio").fill("0");
  await page.getByLabel("Backend").selectOption("cpu");
  await page.getByLabel("Early stopping patience").fill("2");
  await page.getByLabel("Keep the best step's adapter (lowest validation loss)").check();
  await expect(page.getByTestId("local-estimate").getByTestId("local-total-steps")).toHaveText("80");
  await screenshotPage(page, `${DIR}/local-early-stopping-launch.png`);

  await page.getByRole("button", { name: "Launch locally" }).click();
  await page.waitForURL((url) => /^\/jobs\/(?!new$)[^/]+$/.test(url.pathname));
  const id = new URL(page.url()).pathname.split("/").pop()!;
  await expect(page.getByText("succeeded", { exact: true }).first()).toBeVisible({ timeout: 150_000 });

  const job = await jobOf(request, id);
  expect(job.stoppedEarly).toBe(true);
  const stopped = job.progress!.step;
  expect(stopped).toBeLessThan(80);
  const passes = job.metrics.filter((m) => (m as { validLoss?: number | null }).validLoss != null) as unknown as { step: number; validLoss: number }[];
  const best = passes.reduce((a, b) => (b.validLoss < a.validLoss ? b : a));
  expect(job.adapterStep).toBe(best.step);
  expect(stopped).toBe(best.step + 4); // the second pass after the best

  await expect(page.getByTestId("progress-step")).toHaveText(`${stopped} / 80`);
  await expect(page.getByTestId("progress-done")).toHaveText(`Stopped early (${((stopped / 80) * 100).toFixed(1)} % of the planned steps)`);
  await expect(page.getByRole("progressbar", { name: "Training progress" }).locator("div")).toHaveAttribute("style", /width: 100%/);
  await expect(page.getByTestId("adapter-step")).toHaveText(`· step ${best.step} (lowest validation loss)`);
  // The loss chart marks the adapter's step (a dashed line) and says so under the chart.
  await expect(page.getByTestId("chart-loss")).toHaveAttribute("data-adapter-step", String(best.step));
  await expect(page.getByTestId("legend-loss-adapter")).toHaveText(`┆ step ${best.step}: the adapter (lowest validation loss)`);
  await expect(page.getByTestId("chart-loss").getByText("adapter (best)")).toBeVisible();
  const events = page.getByRole("list", { name: "Job events, newest first" });
  await expect(events.getByText(new RegExp(`^Stopped early at step ${stopped} of 80: the validation loss did not improve for 2 validation passes in a row \\(best [\\d.]+ at step ${best.step}\\)\\. The adapter is step ${best.step}'s`))).toHaveCount(1);
  await screenshotPage(page, `${DIR}/local-early-stopping-job.png`);
});
