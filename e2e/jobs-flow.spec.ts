import type { Page } from "@playwright/test";
import { expect, test } from "./stack";
import { emulatorFaults, launchHostedJob, sampleVersion, useEmulatorKey } from "./hosted-data";
import { expectBreaksOnlyAfter, renderedLines } from "./layout";
import { screenshotPage } from "./screenshot";

// The whole hosted-job loop against the real app, the real worker and the OpenAI emulator that
// scripts/serve-e2e.ts starts (a step every ~120 ms): launch from the form, watch the loss curve grow while
// the job runs, see it succeed with its model name and actual cost; cancel a second job mid-run; and see
// OpenAI's wind-down refusal (403 training_not_available, switched on in the emulator) explained on a third.

const API_KEY = "sk-test-e2e-flow-0000abcd";
const DIR = "e2e/artifacts";

const lastDrawnStep = async (page: Page) => Number((await page.getByTestId("chart-loss").getAttribute("data-last-step")) || 0);

test.beforeEach(async ({ request }) => {
  await emulatorFaults(request, "reset");
  await useEmulatorKey(request, API_KEY);
});

test.afterEach(async ({ request }) => {
  await emulatorFaults(request, "reset");
});

test("launch from the form, watch the curve grow live, and see the job succeed", async ({ page, request }) => {
  test.setTimeout(120_000);
  const { datasetId, version } = await sampleVersion(request);
  await page.goto(`/jobs/new?dataset=${datasetId}&version=${version.number}`);
  await page.getByLabel("n_epochs").fill("3");
  await page.getByLabel("Suffix (optional)").fill("flow");
  const launch = page.getByRole("button", { name: "Launch on OpenAI" });
  await expect(launch).toBeEnabled();
  await launch.click();
  await page.waitForURL(/\/jobs\/[a-z0-9]+$/);
  const id = new URL(page.url()).pathname.split("/").at(-1)!;

  // Live: the drawn step keeps rising while the page stays open (no reload), over several observations.
  await expect.poll(() => lastDrawnStep(page), { timeout: 30_000 }).toBeGreaterThan(0);
  const first = await lastDrawnStep(page);
  await expect.poll(() => lastDrawnStep(page), { timeout: 15_000 }).toBeGreaterThan(first + 5);
  await screenshotPage(page, `${DIR}/jobs-flow-running.png`);

  await expect(page.getByText("succeeded", { exact: true }).first()).toBeVisible({ timeout: 60_000 });
  const job = ((await (await request.get(`/api/jobs/${id}`)).json()) as { job: { status: string; fineTunedModel: string; trainedTokens: number; actualUsd: number; metrics: { step: number }[]; progress: { totalSteps: number } } }).job;
  expect(job.status).toBe("succeeded");
  expect(job.fineTunedModel).toMatch(/^ft:gpt-4o-mini-2024-07-18:.*:flow:/);
  expect(job.trainedTokens).toBeGreaterThan(0);
  expect(job.actualUsd).toBeCloseTo((job.trainedTokens * 3) / 1_000_000, 4);
  // Every step of the emulator's curve arrived exactly once, and the chart drew up to the last one.
  expect(job.metrics.map((m) => m.step)).toEqual(Array.from({ length: job.progress.totalSteps }, (_, i) => i + 1));
  await expect.poll(() => lastDrawnStep(page)).toBe(job.progress.totalSteps);
  await expect(page.getByText(job.fineTunedModel).first()).toBeVisible();
  await expect(page.getByTestId("cost-actual")).toContainText("$");
  // Hyperparameters are shown by their API names, as on the launch form.
  await expect(page.getByText("n_epochs", { exact: true })).toBeVisible();
  // The checkpoints' model names (about 70 characters, in a column narrower than that) wrap only after a colon, and
  // the table fits its width.
  const checkpoints = page.getByRole("table", { name: "Checkpoints" });
  const names = await checkpoints.locator("tbody td > span.mono").all();
  expect(names.length).toBeGreaterThan(0);
  expect((await renderedLines(names[0]!)).length, "the name is longer than its column").toBeGreaterThan(1);
  for (const name of names) await expectBreaksOnlyAfter(name, ":");
  expect(await checkpoints.evaluate((el) => el.parentElement!.scrollWidth - el.parentElement!.clientWidth)).toBeLessThanOrEqual(0);
  await screenshotPage(page, `${DIR}/jobs-flow-succeeded.png`);
});

test("cancel a running job from its page", async ({ page, request }) => {
  test.setTimeout(90_000);
  const { datasetId, version } = await sampleVersion(request);
  const id = await launchHostedJob(request, datasetId, version.number, "to-cancel");
  await page.goto(`/jobs/${id}`);
  await expect.poll(() => lastDrawnStep(page), { timeout: 30_000 }).toBeGreaterThan(0);
  await page.getByRole("button", { name: "Cancel job" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel job" }).click();
  await expect(page.getByText("cancelled", { exact: true }).first()).toBeVisible({ timeout: 30_000 });
  const job = ((await (await request.get(`/api/jobs/${id}`)).json()) as { job: { status: string; fineTunedModel: string | null; metrics: unknown[]; progress: { totalSteps: number } } }).job;
  expect(job.status).toBe("cancelled");
  expect(job.fineTunedModel).toBeNull();
  expect(job.metrics.length).toBeLessThan(job.progress.totalSteps);
  await expect(page.getByRole("button", { name: "Cancel job" })).toHaveCount(0);
});

test("OpenAI's wind-down refusal is shown in plain words with the way forward", async ({ page, request }) => {
  await emulatorFaults(request, { trainingNotAvailable: true });
  const { datasetId, version } = await sampleVersion(request);
  const id = await launchHostedJob(request, datasetId, version.number, "wind-down");
  await page.goto(`/jobs/${id}`);
  await expect(page.getByText("failed", { exact: true }).first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(/winding down self-serve fine-tuning: it takes no new jobs/)).toBeVisible();
  await expect(page.getByText("2027-01-06").first()).toBeVisible();
  // The provider's own words stay verbatim next to our explanation.
  await expect(page.getByTestId("error-message")).toContainText("no longer able to create new fine-tuning training jobs");
  await screenshotPage(page, `${DIR}/jobs-flow-wind-down.png`);
});
