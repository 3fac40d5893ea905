import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./stack";
import { expectBreaksOnlyAfter, renderedLines } from "./layout";
import { jobOf, slowToTokenizeVersion, tinyVersion } from "./local-data";
import { screenshotPage } from "./screenshot";

// Local fine-tuning against the real app and the real GPU worker (scripts/serve-e2e.ts starts it on the CPU
// backend, one thread) with the generated "tiny-chat" model in the e2e models directory: launch through
// POST /api/jobs (provider "local"), watch the loss curve grow live on /jobs/<id> and the job succeed with its
// adapter; then, with one job training, see a second one queued (#1 in line) and cancel it at once, and
// cancel the running one from its page, which keeps its last checkpoint as the adapter.

const DIR = "e2e/artifacts";
const MODEL = "tiny-chat";
/** Launches on tiny-chat with about `steps` optimizer steps (batch 1, so steps = examples × epochs). */
async function launchLocal(request: APIRequestContext, steps: number, checkpointEvery: number): Promise<string> {
  const { datasetId, versionNumber, trainCount } = await tinyVersion(request);
  const epochs = Math.min(100, Math.max(1, Math.ceil(steps / Math.max(1, trainCount))));
  const res = await request.post("/api/jobs", {
    data: {
      provider: "local",
      datasetId,
      versionNumber,
      baseModel: MODEL,
      config: {
        lora: { rank: 8, alpha: 16 },
        quantization: { quant: "none" },
        training: { epochs, batchSize: 1, gradAccum: 1, lr: 5e-3, checkpointEvery, backend: "cpu" },
      },
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { job: { id: string } }).job.id;
}

const lastDrawnStep = async (page: Page) => Number((await page.getByTestId("chart-loss").getAttribute("data-last-step")) || 0);

test("a local job launched through the API trains live on the GPU worker and succeeds with its adapter", async ({ page, request }) => {
  test.setTimeout(180_000);
  const id = await launchLocal(request, 600, 200);
  await page.goto(`/jobs/${id}`);

  // Live: the drawn step keeps rising while the page stays open (no reload).
  await expect.poll(() => lastDrawnStep(page), { timeout: 60_000 }).toBeGreaterThan(0);
  const first = await lastDrawnStep(page);
  await expect.poll(() => lastDrawnStep(page), { timeout: 30_000 }).toBeGreaterThan(first + 5);
  await screenshotPage(page, `${DIR}/local-jobs-running.png`);

  await expect(page.getByText("succeeded", { exact: true }).first()).toBeVisible({ timeout: 120_000 });
  const job = await jobOf(request, id);
  expect(job.backend).toBe("cpu");
  expect(job.metrics.map((m) => m.step)).toEqual(Array.from({ length: job.progress!.totalSteps }, (_, i) => i + 1));
  await expect.poll(() => lastDrawnStep(page)).toBe(job.progress!.totalSteps);
  expect(job.adapterPath).toMatch(new RegExp(`jobs/${id}/adapter$`));
  await expect(page.getByTestId("adapter-path")).toHaveText(job.adapterPath!);
  // The path (over 50 characters, in a column of about 20) wraps after its slashes, never inside a folder's name.
  expect((await renderedLines(page.getByTestId("adapter-path"))).length).toBeGreaterThan(1);
  await expectBreaksOnlyAfter(page.getByTestId("adapter-path"), "/");
  await expect(page.getByText("Backend", { exact: true }).locator("xpath=following-sibling::dd[1]")).toHaveText("cpu");
  await screenshotPage(page, `${DIR}/local-jobs-succeeded.png`);
});

test("a queued local job shows its place in line and cancels at once; a running one stops keeping its checkpoint", async ({ page, request }) => {
  test.setTimeout(150_000);
  const running = await launchLocal(request, 6000, 20);
  const queued = await launchLocal(request, 50, 0);

  // The GPU worker runs one job at a time: the second waits, first in line.
  await expect.poll(async () => (await jobOf(request, running)).status, { timeout: 60_000 }).toBe("running");
  await page.goto(`/jobs/${queued}`);
  await expect(page.getByTestId("queue-position")).toHaveText("Queued: #1 in line for a GPU worker.");
  // The native trainer's checkpoints, not OpenAI's, are what its empty table promises.
  await expect(page.getByText("No checkpoints yet.")).toHaveText("No checkpoints yet. The trainer saves one at each epoch's end, keeping the newest three.");
  await page.getByRole("button", { name: "Cancel job" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel job" }).click();
  await expect(page.getByText("cancelled", { exact: true }).first()).toBeVisible({ timeout: 15_000 });
  expect((await jobOf(request, queued)).metrics).toHaveLength(0);

  await page.goto(`/jobs/${running}`);
  await expect.poll(async () => (await jobOf(request, running)).checkpoints.length, { timeout: 60_000 }).toBeGreaterThan(0);
  await page.getByRole("button", { name: "Cancel job" }).click();
  await expect(page.getByRole("dialog")).toContainText("the last checkpoint is kept");
  await page.getByRole("dialog").getByRole("button", { name: "Cancel job" }).click();
  await expect(page.getByText("cancelled", { exact: true }).first()).toBeVisible({ timeout: 30_000 });
  const job = await jobOf(request, running);
  expect(job.status).toBe("cancelled");
  expect(job.metrics.length).toBeLessThan(job.progress!.totalSteps);
  const kept = job.checkpoints.at(-1)!;
  expect(job.adapterPath).toMatch(new RegExp(`${kept.path}$`));
  await expect(page.getByText("Last checkpoint (kept)")).toBeVisible();
  // The table, kept live all run, lists the checkpoints that are still on disk (the trainer pruned the rest), each
  // named by its folder, with the whole path under the data directory as its title.
  const table = page.getByRole("table", { name: "Checkpoints" });
  await expect(table.locator("tbody tr")).toHaveCount(job.checkpoints.length);
  expect(job.checkpoints.length).toBeLessThanOrEqual(3);
  await expect(table.getByTitle(kept.path!, { exact: true })).toHaveText(kept.path!.split("/").at(-1)!);
  // 100 short epochs: the loss chart labels only some of the boundaries it draws (every one overlapped the next).
  const epochLabels = await page.getByTestId("chart-loss").getByText(/^epoch \d+$/).allTextContents();
  expect(epochLabels.length).toBeGreaterThan(0);
  expect(epochLabels.length).toBeLessThanOrEqual(8);
  // Each label lies inside the chart (one at the axis's end was drawn past its right edge and cut to "ep").
  const surface = (await page.getByTestId("chart-loss").locator("svg.recharts-surface").first().boundingBox())!;
  for (const label of await page.getByTestId("chart-loss").getByText(/^epoch \d+$/).all()) {
    const box = (await label.boundingBox())!;
    expect(box.x + box.width, `"${await label.textContent()}" ends inside the chart`).toBeLessThanOrEqual(surface.x + surface.width);
  }
  await expect(page.getByTestId("adapter-path")).toHaveText(job.adapterPath!);
  await expect(page.getByRole("button", { name: "Cancel job" })).toHaveCount(0);
  await screenshotPage(page, `${DIR}/local-jobs-cancelled.png`);
});

test("a local job the worker has taken names it and says what it prepares until the first step", async ({ page, request }) => {
  test.setTimeout(120_000);
  const { datasetId, versionNumber } = await slowToTokenizeVersion(request);
  // The launch form's first count of this version takes seconds too: the panel says what it counts meanwhile.
  await page.goto(`/jobs/new?dataset=${datasetId}&version=${versionNumber}`);
  await page.getByRole("radio", { name: "Local", exact: true }).check();
  const panel = page.getByTestId("local-estimate");
  await expect(panel.getByTestId("local-counting")).toHaveText(/^Counting the tokens of 5,008 examples with tiny-chat's tokenizer and chat template…/);
  await panel.screenshot({ path: `${DIR}/local-estimate-counting.png` });
  await expect(panel.getByTestId("local-units")).toHaveText(/^[\d,]+$/, { timeout: 30_000 });
  await expect(panel.getByTestId("local-counting")).toHaveCount(0);
  const res = await request.post("/api/jobs", {
    data: { provider: "local", datasetId, versionNumber, baseModel: MODEL, config: { quantization: { quant: "none" }, training: { epochs: 1, batchSize: 4, gradAccum: 1, maxSeqLen: 96, backend: "cpu" } } },
  });
  expect(res.status(), await res.text()).toBe(201);
  const id = ((await res.json()) as { job: { id: string } }).job.id;
  await page.goto(`/jobs/${id}`);
  // Tokenizing 5,008 examples takes the worker seconds: meanwhile the job is still queued, but taken.
  const note = page.getByTestId("queue-position");
  await expect(note).toHaveText(/^Preparing on \S+ \(\d+ s so far\): loading the model and tokenizing the data; training starts after that\.$/, { timeout: 30_000 });
  await expect(page.getByText(/^Preparing on \S+: loading tiny-chat \(unquantized\) and tokenizing 5008 training examples\.$/)).toBeVisible();
  // Its badge, here and in the jobs list, says so too (the row is still "queued").
  await expect(page.getByText("preparing", { exact: true }).first()).toBeVisible();
  // A local job uploads and validates nothing: its timeline is queued, preparing, running, finished.
  const timeline = page.getByRole("list", { name: "Status timeline" }).getByRole("listitem");
  await expect(timeline).toHaveText([/^Queued/, /^Preparing/, /^Running/, /^Finished/]);
  await expect(timeline.nth(1)).toHaveAttribute("data-state", "current");
  await screenshotPage(page, `${DIR}/local-jobs-preparing.png`);
  await expect(page.getByText("succeeded", { exact: true }).first()).toBeVisible({ timeout: 60_000 });
  await expect(note).toHaveCount(0);
  await expect(timeline).toHaveText([/^Queued/, /^Preparing/, /^Running/, /^Succeeded/]);
  await expect(page.getByText(/Prepared in [\d.]+ s: model loaded in [\d.]+ s, data tokenized in [\d.]+ s\.$/)).toBeVisible();
});
