import type { Page } from "@playwright/test";
import { expect, test } from "./stack";
import type { PrismaClient } from "@prisma/client";
import type { Redis } from "ioredis";
import { createPrismaClient } from "../lib/db/client";
import { createDemoJob, curvePoint, curvePoints, updateAndPublishJob, writeAndPublishPoints } from "../lib/jobs/live/testing";
import { createRedis } from "../lib/redis";
import { testSettings } from "../scripts/lib/test-env";
import { expectSameTop } from "./layout";
import { screenshotPage } from "./screenshot";

// Live monitoring against the real app: jobs and their history are inserted into the e2e database, and new
// points are written + published on Redis the way the worker does, under the e2e queue prefix.

const DIR = "e2e/artifacts";
const t = testSettings();
let db: PrismaClient;
let redis: Redis;
const curve = { totalSteps: 300, epochs: 3 };

test.beforeAll(() => {
  db = createPrismaClient(t.e2eDatabaseUrl);
  redis = createRedis("client", t.redisUrl);
});

test.afterAll(async () => {
  await redis.quit();
  await db.$disconnect();
});

const chart = (page: Page) => page.getByTestId("chart-loss");

async function datasetVersion(name: string): Promise<string> {
  const ds = await db.dataset.create({ data: { name } });
  const v = await db.datasetVersion.create({
    data: { datasetId: ds.id, number: 1, trainPath: `datasets/${ds.id}/v1/train.jsonl`, sha256: "0".repeat(64), exampleCount: 120, trainCount: 100, validationCount: 20, tokenCount: 41_250 },
  });
  return v.id;
}

test("the loss curve grows live, and a reload resumes without gaps or repeats", async ({ page }) => {
  const jobId = await createDemoJob(db, { steps: 120, curve, suffix: "live-demo" });
  await page.goto(`/jobs/${jobId}`);
  await expect(chart(page)).toHaveAttribute("data-last-step", "120");
  await expect(page.getByTestId("stream-state")).toHaveAttribute("data-state", "open");

  for (let s = 121; s <= 140; s += 5) await writeAndPublishPoints(db, redis, t.e2eQueuePrefix, jobId, curvePoints(s, s + 4, curve));
  await expect(chart(page)).toHaveAttribute("data-last-step", "140");
  await expect(page.getByTestId("legend-loss")).toHaveText(/^━ training\s+·\s+━ validation\s+·\s+◆ full validation at epoch end\s+·\s+┆ epoch boundary$/);
  await expect(chart(page)).toHaveAttribute("data-train-points", "140");
  await expect(page.getByTestId("progress-step")).toHaveText("140 / 300");
  await screenshotPage(page, `${DIR}/job-running.png`);

  // Points written while the page reloads reach it either as history or live — once each.
  const reload = page.reload();
  for (let s = 141; s <= 160; s++) await writeAndPublishPoints(db, redis, t.e2eQueuePrefix, jobId, curvePoints(s, s, curve));
  await reload;
  await expect(chart(page)).toHaveAttribute("data-last-step", "160");
  await expect(page.getByTestId("stream-state")).toHaveAttribute("data-state", "open");
  await writeAndPublishPoints(db, redis, t.e2eQueuePrefix, jobId, curvePoints(161, 170, curve));
  await expect(chart(page)).toHaveAttribute("data-last-step", "170");
  await expect(chart(page)).toHaveAttribute("data-train-points", "170");

  // The worker's retry note shows while it retries and goes with the next good poll.
  await updateAndPublishJob(db, redis, t.e2eQueuePrefix, jobId, { retryMessage: "OpenAI answered 503; retrying in 4 s (attempt 2 of 8)" });
  await expect(page.getByTestId("retry-message")).toHaveText("OpenAI answered 503; retrying in 4 s (attempt 2 of 8)");
  await updateAndPublishJob(db, redis, t.e2eQueuePrefix, jobId, { retryMessage: null });
  await expect(page.getByTestId("retry-message")).toHaveCount(0);

  // The job ends: status, model name and cost arrive on the stream, the cancel button goes.
  await updateAndPublishJob(db, redis, t.e2eQueuePrefix, jobId, {
    status: "succeeded",
    finishedAt: new Date(),
    fineTunedModel: "ft:gpt-4o-mini-2024-07-18:acme:live-demo:AbC123",
    trainedTokens: 123_750,
    actualUsd: 0.3713,
  });
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("ft:gpt-4o-mini-2024-07-18:acme:live-demo:AbC123");
  await expect(page.getByTestId("cost-actual")).toContainText("$0.3713");
  await expect(page.getByRole("button", { name: "Cancel job" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "ROI for this job →" })).toHaveAttribute("href", `/costs?job=${jobId}`);
});

test("a curve that starts flat gets a readable value axis, and keeps one label per tick as it moves", async ({ page }) => {
  // A DPO run's first steps are ln 2 (the adapter starts at the reference), as two computations may round it: one
  // ulp apart. recharts' ticks for a single value or so narrow a range repeat values, their React keys collide,
  // and the extra labels used to stay on screen over the ones drawn as the curve moved.
  const jobId = await createDemoJob(db, { steps: 0, curve });
  await page.goto(`/jobs/${jobId}`);
  await expect(page.getByTestId("stream-state")).toHaveAttribute("data-state", "open");
  const valueLabels = () => chart(page).locator('.recharts-cartesian-axis-tick-label text[text-anchor="end"]').allTextContents();
  for (const [step, loss] of [[1, Math.LN2], [2, 0.6931471805599454]] as const) {
    await writeAndPublishPoints(db, redis, t.e2eQueuePrefix, jobId, [{ ...curvePoint(step, curve), trainLoss: loss }]);
    await expect(chart(page)).toHaveAttribute("data-last-step", String(step));
    expect(await valueLabels()).toEqual(["0.60", "0.70", "0.80"]);
  }

  await writeAndPublishPoints(db, redis, t.e2eQueuePrefix, jobId, curvePoints(3, 20, curve));
  await expect(chart(page)).toHaveAttribute("data-last-step", "20");
  const moved = await valueLabels();
  expect(moved.length).toBeGreaterThan(2);
  expect(moved).toEqual([...new Set(moved)]);
});

test("the overfitting alert appears for a curve that overfits, and not for one that does not", async ({ page }) => {
  // (No model name on this one: the provider reported none, which the page must say.)
  const overfit = await createDemoJob(db, { status: "succeeded", steps: 300, curve: { ...curve, overfitFrom: 0.45 }, extra: { fineTunedModel: null } });
  await page.goto(`/jobs/${overfit}`);
  await expect(page.getByTestId("overfitting-alert")).toBeVisible();
  await expect(page.getByTestId("overfitting-alert")).toContainText(/rising since step \d+/);
  await expect(page.getByText(/Use the best checkpoint \(step \d+/)).toBeVisible();
  await expect(page.locator("tr[data-best]")).toHaveCount(1);
  await page.getByLabel("Log scale").check();
  await expect(chart(page)).toHaveAttribute("data-last-step", "300");
  // A succeeded job without a model name does not promise one "when the job succeeds".
  await expect(page.getByTestId("fine-tuned-model-missing")).toHaveText(/^The provider reported none for this job/);
  await screenshotPage(page, `${DIR}/job-overfitting.png`);

  const healthy = await createDemoJob(db, { status: "succeeded", steps: 300, curve });
  await page.goto(`/jobs/${healthy}`);
  await expect(chart(page)).toHaveAttribute("data-last-step", "300");
  await expect(page.getByTestId("overfitting-alert")).toHaveCount(0);
  await expect(page.locator("#fine-tuned-model")).toHaveText(/^ft:gpt-4o-mini-2024-07-18:demo:/);
});

test("OpenAI's training_not_available refusal is explained in plain words", async ({ page }) => {
  const message = "Fine-tuning is no longer available for this organization.";
  const jobId = await createDemoJob(db, { status: "failed", extra: { errorCode: "training_not_available", errorMessage: message } });
  await page.goto(`/jobs/${jobId}`);
  await expect(page.getByTestId("error-message")).toHaveText(message);
  await expect(page.getByText("2027-01-06")).toBeVisible();
  await expect(page.getByRole("link", { name: "Models page" })).toHaveAttribute("href", "/models");
});

test("the jobs list filters through the URL and compares two jobs", async ({ page }) => {
  const tag = Date.now().toString(36);
  const version = await datasetVersion(`monitor-e2e-${tag}`);
  const a = await createDemoJob(db, { status: "succeeded", steps: 300, curve, baseModel: `gpt-4.1-nano-${tag}`, datasetVersionId: version });
  const b = await createDemoJob(db, { status: "running", steps: 150, curve: { ...curve, seed: 7 }, baseModel: `gpt-4.1-mini-${tag}`, datasetVersionId: version });
  const c = await createDemoJob(db, { status: "failed", provider: "local", baseModel: `llama-${tag}`, extra: { errorMessage: "out of memory" } });

  await page.goto(`/jobs?model=${tag}`);
  const rows = page.locator("tbody tr[data-job-id]");
  await expect(rows).toHaveCount(3);
  // Every row's date has no year in the current year and breaks, if at all, between date and time ("Dec 1, / 6:25 AM",
  // not over three lines), and the table fits its width.
  for (const cell of await rows.locator("td time").all()) expect((await cell.boundingBox())!.height).toBeLessThan(50);
  await expect(rows.first().locator("td time")).not.toHaveText(new RegExp(String(new Date().getFullYear())));
  const wrap = page.locator(".table-wrap").filter({ has: rows.first() });
  expect(await wrap.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  // The filter fields share one row under the status boxes.
  await expectSameTop(["Provider", "Model", "Dataset"].map((l) => page.getByLabel(l, { exact: true })));
  await screenshotPage(page, `${DIR}/jobs-list.png`);

  await page.goto(`/jobs?model=${tag}&status=failed`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-job-id", c);

  // The form writes the filters into the URL.
  await page.goto(`/jobs?model=${tag}`);
  await page.getByLabel("Provider").selectOption("openai");
  await page.getByRole("checkbox", { name: "running" }).check();
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/status=running/);
  await expect(page).toHaveURL(/provider=openai/);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-job-id", b);

  await page.goto(`/jobs?dataset=${(await db.datasetVersion.findUniqueOrThrow({ where: { id: version } })).datasetId}`);
  await expect(rows).toHaveCount(2);
  await page.locator(`tr[data-job-id="${a}"] input[type=checkbox]`).check();
  await page.locator(`tr[data-job-id="${b}"] input[type=checkbox]`).check();
  await page.getByRole("button", { name: "Compare (2)" }).click();
  await expect(page).toHaveURL(new RegExp(`/jobs/compare\\?ids=${a},${b}`));
  await expect(page.getByTestId("compare-loss")).toHaveAttribute("data-series", "2");
  await expect(page.getByTestId("compare-loss").locator(".recharts-legend-item-text", { hasText: `gpt-4.1-nano-${tag}` })).toHaveCount(2);
  await expect(page.getByTestId("compare-loss").locator(".recharts-legend-item-text", { hasText: `gpt-4.1-mini-${tag}` })).toHaveCount(2);
  await screenshotPage(page, `${DIR}/jobs-compare.png`);
});

test("a list longer than a page goes to older jobs and back, keeping its filters", async ({ page }) => {
  const tag = `paged-${Date.now().toString(36)}`;
  // 205 finished jobs an hour old, a second apart: one more page than the list's 200.
  const t0 = Date.now() - 3_600_000;
  const baseModel = `gpt-4o-mini-${tag}`;
  await db.fineTuneJob.createMany({ data: Array.from({ length: 205 }, (_, i) => ({ provider: "openai", status: "succeeded", baseModel, createdAt: new Date(t0 - i * 1000) })) });
  try {
    const rows = page.locator("tbody tr[data-job-id]");
    await page.goto(`/jobs?model=${tag}`);
    await expect(page.getByText("1–200 of 205 jobs")).toBeVisible();
    await expect(rows).toHaveCount(200);
    const newestOnFirst = await rows.first().getAttribute("data-job-id");
    await expect(page.getByRole("link", { name: "← Newest jobs" })).toHaveCount(0);

    await page.getByRole("link", { name: "Older jobs →" }).click();
    await expect(page).toHaveURL(new RegExp(`model=${tag}&before=\\d+_`));
    await expect(page.getByText("201–205 of 205 jobs")).toBeVisible();
    await expect(rows).toHaveCount(5);
    const oldest = await db.fineTuneJob.findFirstOrThrow({ where: { baseModel }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
    await expect(rows.last()).toHaveAttribute("data-job-id", oldest.id);
    await expect(page.getByRole("link", { name: "Older jobs →" })).toHaveCount(0);
    await screenshotPage(page, `${DIR}/jobs-list-older.png`);

    await page.getByRole("link", { name: "← Newest jobs" }).click();
    await expect(page).toHaveURL(new RegExp(`/jobs\\?model=${tag}$`));
    await expect(rows.first()).toHaveAttribute("data-job-id", newestOnFirst!);
  } finally {
    await db.fineTuneJob.deleteMany({ where: { baseModel } });
  }
});
