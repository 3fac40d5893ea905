import type { Page } from "@playwright/test";
import { EMULATOR, expect, test } from "./stack";
import { createPrismaClient } from "../lib/db/client";
import { seedEvalRun, type SeedEvalRunOptions, type SeededEvalRun } from "../lib/eval/testing";
import { progressFromRows, publishEvalProgress } from "../lib/eval/live";
import type { EvalRunView } from "../lib/eval/types";
import { createRedis } from "../lib/redis";
import { testSettings } from "../scripts/lib/test-env";
import { expectBreaksOnlyAfter, expectSameTop } from "./layout";
import { screenshotPage } from "./screenshot";

// The evaluation pages against the real app: a finished run seeded into the e2e database with real metrics,
// judge verdicts and summary (seedEvalRun: candidate better on "format", worse on "refunds"), then read,
// filtered, overruled and exported through the UI.

const DIR = "e2e/artifacts";
const t = testSettings();
let seeded: SeededEvalRun;

/** Seeds runs straight into the e2e server's database (real metrics, verdicts and summary: seedEvalRun). */
async function seedEvalRunsE2E(list: SeedEvalRunOptions[]): Promise<SeededEvalRun[]> {
  const db = createPrismaClient(t.e2eDatabaseUrl);
  try {
    const out: SeededEvalRun[] = [];
    for (const opts of list) out.push(await seedEvalRun(db, opts));
    return out;
  } finally {
    await db.$disconnect();
  }
}

test.beforeAll(async () => {
  seeded = (await seedEvalRunsE2E([{ n: 120, root: t.e2eDataDir, withJob: true, name: "triage v3 vs base" }]))[0]!;
});

const runOf = async (page: Page) => ((await (await page.request.get(`/api/evals/${seeded.runId}`)).json()) as { run: EvalRunView }).run;
const rows = (page: Page) => page.getByTestId("sbs-row");

test("the run page shows the summary and a virtualized side-by-side list", async ({ page }) => {
  const run = await runOf(page);
  const summary = run.summary!;
  await page.goto(`/evaluations/${seeded.runId}`);
  await expect(page.getByRole("heading", { level: 1, name: "triage v3 vs base" })).toBeVisible();
  await expect(page.getByTestId("win-rate")).toContainText(`${(summary.winRate!.candidate * 100).toFixed(1)} %`);
  await expect(page.getByTestId("count-candidate")).toHaveText(String(summary.verdicts!.candidate));
  await expect(page.getByTestId("count-inconsistent")).toHaveText(String(summary.verdicts!.inconsistent));
  await expect(page.getByTestId("metric-delta-chart")).toBeVisible();
  await expect(page.getByTestId("metric-exactMatch")).toBeVisible();
  await expect(page.getByTestId("tag-sentence")).toHaveText("The candidate is better on format, worse on refunds.");

  await expect(page.getByText(`120 of 120 rows shown.`)).toBeVisible();
  // Virtualized: far fewer rows in the DOM than in the run.
  const inDom = await rows(page).count();
  expect(inDom).toBeGreaterThan(2);
  expect(inDom).toBeLessThan(30);
  await expect(rows(page).first().getByTestId("expected")).toContainText('"intent"');
  // Every metric draws its interval, Valid JSON's (a delta of exactly 0, −12.8 … +12.8) too.
  await expect(page.getByTestId("metric-delta-chart").locator(".recharts-errorBar")).toHaveCount(5);
  // The four verdict counts wrap two by two in the summary's card, not three and one.
  await expectSameTop([page.getByTestId("count-candidate"), page.getByTestId("count-tie")]);
  await expectSameTop([page.getByTestId("count-inconsistent"), page.getByTestId("count-baseline")]);
  // The last row header draws no border over the table's own bottom edge, and a hovered row lights its header too.
  const failedRows = page.getByRole("rowheader", { name: "Failed rows" });
  expect(await failedRows.evaluate((el) => getComputedStyle(el).borderBottomWidth)).toBe("0px");
  await failedRows.hover();
  await expect.poll(() => failedRows.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe("rgba(0, 0, 0, 0)");
  await screenshotPage(page, `${DIR}/eval-run.png`);

  // The prompt shows its last user message; the whole conversation (system prompt included) on demand.
  const row0 = page.locator('[data-testid="sbs-row"][data-sample="0"]');
  await expect(row0).not.toContainText("support triage assistant");
  await row0.getByRole("button", { name: /Full conversation/ }).click();
  await expect(row0).toContainText("support triage assistant");

  // Scrolled to the end, the last row is rendered.
  await page.getByTestId("sbs-scroller").evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(page.locator('[data-testid="sbs-row"][data-sample="119"]')).toBeVisible();
});

test("filter to losses, overrule the judge and see the summary change; keys move and set verdicts", async ({ page }) => {
  await page.goto(`/evaluations/${seeded.runId}`);
  const before = (await runOf(page)).summary!;
  await page.getByTestId("filter-verdict").selectOption("losses");
  await expect(page.getByText(`${before.verdicts!.baseline} of 120 rows shown.`)).toBeVisible();
  const first = rows(page).first();
  await expect(first).toContainText("judge: baseline wins");

  // A person says the candidate was better: the row shows it at once, the summary counts it.
  const index = Number(await first.getAttribute("data-sample"));
  await first.getByRole("button", { name: "Candidate" }).click();
  await expect(page.getByTestId("count-candidate")).toHaveText(String(before.verdicts!.candidate + 1));
  await expect(page.getByTestId("count-baseline")).toHaveText(String(before.verdicts!.baseline - 1));
  await expect(page.getByTestId("agreement")).toContainText("0 of 1 rows a person reviewed");
  // The row no longer is a loss, so the filtered list drops it.
  await expect(page.locator(`[data-testid="sbs-row"][data-sample="${index}"]`)).toHaveCount(0);

  // Keyboard: back to all rows, click the first row to select it, j/k and the arrows move, 2 = tie, 0 clears.
  await page.getByTestId("filter-verdict").selectOption("all");
  const selected = page.locator('[data-testid="sbs-row"][aria-current="true"]');
  await page.locator('[data-testid="sbs-row"][data-sample="0"]').getByTestId("expected").click();
  await expect(selected).toHaveAttribute("data-sample", "0");
  await page.keyboard.press("j");
  await expect(selected).toHaveAttribute("data-sample", "1");
  await page.keyboard.press("k");
  await expect(selected).toHaveAttribute("data-sample", "0");
  await page.keyboard.press("ArrowDown");
  await expect(selected).toHaveAttribute("data-sample", "1");
  await page.keyboard.press("2");
  await expect(selected).toContainText("you: tie");
  await expect.poll(async () => (await (await page.request.get(`/api/evals/${seeded.runId}/samples?after=0&limit=1`)).json()).samples[0].humanVerdict).toBe("tie");
  await page.keyboard.press("0");
  await expect(selected).not.toContainText("you: tie");
  await expect.poll(async () => (await (await page.request.get(`/api/evals/${seeded.runId}/samples?after=0&limit=1`)).json()).samples[0].humanVerdict).toBeNull();
});

test("export links download the run as CSV and JSON", async ({ page }) => {
  await page.goto(`/evaluations/${seeded.runId}`);
  const csvHref = await page.getByTestId("export-csv").getAttribute("href");
  const csv = await page.request.get(csvHref!);
  expect(csv.ok()).toBe(true);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  const lines = (await csv.text()).trim().split("\n");
  expect(lines[0]).toMatch(/^index,/);
  const json = await page.request.get((await page.getByTestId("export-json").getAttribute("href"))!);
  expect(((await json.json()) as { samples: unknown[] }).samples).toHaveLength(120);

  const download = page.waitForEvent("download");
  await page.getByTestId("export-csv").click();
  expect((await download).suggestedFilename()).toMatch(/\.csv$/);
});

test("the list links to the run; the form prefills from a job and names a bad spec", async ({ page }) => {
  await page.goto("/evaluations");
  await expect(page.getByTestId("eval-row").first()).toBeVisible();
  // Each spec (a job's cuid, a dated model name) wraps only after its kind's colon, never inside an id or at a hyphen.
  const specs = await page.getByTestId("eval-specs").locator("div > span:last-child").all();
  expect(specs.length).toBeGreaterThanOrEqual(2);
  for (const spec of specs) await expectBreaksOnlyAfter(spec, ":");
  await screenshotPage(page, `${DIR}/eval-list.png`);
  await page.getByRole("link", { name: "triage v3 vs base" }).first().click();
  await expect(page).toHaveURL(new RegExp(`/evaluations/${seeded.runId}$`));

  await page.goto(`/jobs/${seeded.jobId}`);
  await page.getByRole("link", { name: "Evaluate this job" }).click();
  await expect(page).toHaveURL(new RegExp(`/evaluations/new\\?job=${seeded.jobId}$`));
  await expect(page.getByLabel("Candidate", { exact: true })).toHaveValue(`job:${seeded.jobId}`);
  await expect(page.getByLabel("Baseline", { exact: true })).toHaveValue(/^local:/);
  await expect(page.getByLabel("Split")).toHaveValue("validation");
  await expect(page.getByLabel("Rubric")).toBeDisabled();
  await page.getByLabel("Baseline", { exact: true }).fill("gpt-4o");
  await expect(page.getByText(`"gpt-4o" is not a model spec`)).toBeVisible();
  await page.getByLabel("JSON schema").fill("{type: object}");
  await expect(page.getByText(/^Not valid JSON/)).toBeVisible();
  await screenshotPage(page, `${DIR}/eval-form.png`);
});

test("a running run shows its progress and cancels from its page", async ({ page }) => {
  const [running] = await seedEvalRunsE2E([{ n: 40, root: t.e2eDataDir, status: "running", name: "half way" }]);
  await page.goto(`/evaluations/${running!.runId}`);
  await expect(page.getByTestId("eval-progress")).toBeVisible();
  const done = Number(await page.getByTestId("eval-progress").getAttribute("aria-valuenow"));
  expect(done).toBeGreaterThan(0);
  expect(done).toBeLessThan(100);
  await expect(page.getByText("40 of 40 rows shown.")).toBeVisible();
  await screenshotPage(page, `${DIR}/eval-running.png`);

  // Live: the page follows the run's progress stream. The last eight pending rows get both outputs (as the worker writes
  // them), then the worker's progress message is published: the bar moves at once, long before a poll would.
  await expect(page.getByTestId("eval-stream")).toHaveAttribute("data-state", "open");
  const db = createPrismaClient(t.e2eDatabaseUrl);
  const redis = createRedis("client", t.redisUrl);
  try {
    const pending = await db.evalSample.findMany({ where: { evalRunId: running!.runId, baselineOutput: null }, orderBy: { index: "desc" }, take: 8, select: { id: true } });
    await db.evalSample.updateMany({ where: { id: { in: pending.map((p) => p.id) } }, data: { baselineOutput: "{}", candidateOutput: "{}" } });
    const progress = await progressFromRows(db, running!.runId);
    const expected = Math.round((100 * (progress!.generated.baseline + progress!.generated.candidate + progress!.judged)) / (3 * progress!.total));
    expect(expected).toBeGreaterThan(done);
    // Published as the worker does (running totals, repeated while work goes on); the page moves within ~1 s,
    // while the poll that also runs under the stream comes only every 10 s.
    await expect
      .poll(
        async () => {
          await publishEvalProgress(redis, t.e2eQueuePrefix, running!.runId, progress!);
          return page.getByTestId("eval-progress").getAttribute("aria-valuenow");
        },
        { timeout: 2_000, intervals: [100] },
      )
      .toBe(String(expected));
  } finally {
    await redis.quit();
    await db.$disconnect();
  }
  await page.getByTestId("filter-verdict").selectOption("unjudged");
  await expect(page.getByText("16 of 40 rows shown.")).toBeVisible();
  await expect(page.getByTestId("sbs-row").first()).toContainText("Not generated yet");
  await page.getByRole("button", { name: "Cancel evaluation" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel evaluation" }).click();
  await expect(page.getByText("cancelled", { exact: true }).first()).toBeVisible();
  await expect(page.getByText(/^Cancelled: the summary covers/)).toBeVisible();
  await expect(page.getByTestId("eval-progress")).toHaveCount(0);
});

test("a checkpoint sweep charts the metric by step and marks the best checkpoint", async ({ page }) => {
  const sweepId = `sweep-${Date.now()}`;
  const seededRuns = await seedEvalRunsE2E([
    ...[10, 20, 30].map((step, i) => ({ n: 24, root: t.e2eDataDir, sweepId, checkpointStep: step, seed: 100 + i, name: `sweep step ${step}` })),
    { n: 24, root: t.e2eDataDir, sweepId, seed: 200, name: "sweep final" },
  ]);
  const runs = seededRuns.slice(0, 3);
  const finalRun = seededRuns[3]!;
  const winRates = await Promise.all(
    runs.map(async (r) => ((await (await page.request.get(`/api/evals/${r.runId}`)).json()) as { run: EvalRunView }).run.summary!.winRate!.candidate),
  );
  const bestStep = [10, 20, 30][winRates.indexOf(Math.max(...winRates))]!;
  await page.goto(`/evaluations/${finalRun.runId}`);
  await expect(page.getByTestId("sweep-chart")).toBeVisible();
  await expect(page.getByTestId("sweep-best")).toContainText(`Best: step ${bestStep} with win rate`);
  await page.getByTestId("sweep-chart").screenshot({ path: `${DIR}/eval-sweep.png` });
});

test("the form starts a real run (OpenAI models and a judge on the emulator) and the page follows it to the end", async ({ page }) => {
  test.setTimeout(120_000);
  const emulator = `${EMULATOR}/v1`;
  const key = await page.request.put("/api/settings/credentials/openai", { data: { apiKey: "sk-test-e2e-eval-0000abcd", baseUrl: emulator } });
  expect(key.ok(), await key.text()).toBe(true);
  await page.goto("/evaluations/new");
  await page.getByLabel("Candidate", { exact: true }).fill("openai:gpt-4o-mini-2024-07-18");
  await page.getByLabel("Pick a baseline").selectOption("openai:gpt-4o-mini-2024-07-18");
  await page.getByLabel("Baseline", { exact: true }).fill("openai:gpt-3.5-turbo");
  await page.getByLabel("Judge model").fill("openai:gpt-4o");
  await expect(page.getByLabel("Rubric")).toBeEnabled();
  await page.getByLabel("Limit").fill("6");
  await page.getByLabel("Name").fill("form run");
  await page.getByRole("button", { name: "Start evaluation" }).click();
  await expect(page).toHaveURL(/\/evaluations\/(?!new)[\w-]+$/);
  await expect(page.getByRole("heading", { level: 1, name: "form run" })).toBeVisible();
  await expect(page.getByText("succeeded", { exact: true }).first()).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId("win-rate")).toBeVisible();
  await expect(page.getByText("6 of 6 rows shown.")).toBeVisible();
  await expect(page.getByTestId("sbs-row").first().getByTestId("candidate-output")).not.toContainText("Not generated yet");
  await screenshotPage(page, `${DIR}/eval-form-run.png`);
});

test("a list longer than a page goes to older evaluations and back", async ({ page }) => {
  const db = createPrismaClient(t.e2eDatabaseUrl);
  const sweepId = `paged-${Date.now().toString(36)}`;
  try {
    // 201 runs a day old (older than every other run here), a second apart: with the runs the other tests made, one
    // page and a bit.
    const versionId = (await db.evalRun.findUniqueOrThrow({ where: { id: seeded.runId } })).datasetVersionId;
    const t0 = Date.now() - 86_400_000;
    await db.evalRun.createMany({
      data: Array.from({ length: 201 }, (_, i) => ({ datasetVersionId: versionId, candidateSpec: "openai:gpt-4o-mini-2024-07-18", baselineSpec: "openai:gpt-4o-2024-08-06", name: `paged ${i}`, sweepId, createdAt: new Date(t0 - i * 1000) })),
    });
    const total = await db.evalRun.count();
    const rows = page.getByTestId("eval-row");
    await page.goto("/evaluations");
    const pager = page.getByRole("navigation", { name: "Evaluation list pages" });
    await expect(pager).toContainText(`1–200 of ${total} evaluations`);
    await expect(rows).toHaveCount(200);
    await expect(pager.getByRole("link", { name: "← Newest evaluations" })).toHaveCount(0);

    await pager.getByRole("link", { name: "Older evaluations →" }).click();
    await expect(page).toHaveURL(/\/evaluations\?before=\d+_n_/);
    await expect(pager).toContainText(`201–${total} of ${total} evaluations`);
    await expect(rows).toHaveCount(total - 200);
    await expect(rows.last()).toContainText("paged 200");
    await expect(pager.getByRole("link", { name: "Older evaluations →" })).toHaveCount(0);
    await screenshotPage(page, `${DIR}/eval-list-older.png`);

    await pager.getByRole("link", { name: "← Newest evaluations" }).click();
    await expect(page).toHaveURL(/\/evaluations$/);
    await expect(rows).toHaveCount(200);
  } finally {
    await db.evalRun.deleteMany({ where: { sweepId } });
    await db.$disconnect();
  }
});

// A reasoning model as the candidate (Qwen3 and the like): each output opens with its thinking. The row folds the
// thinking away above the answer, and the metrics score the answer: the same run without the thinking scores the same.
test("a reasoning candidate's thinking is folded above its answer, and its answers are what the metrics score", async ({ page }) => {
  const [plain, thinking] = await seedEvalRunsE2E([
    { n: 8, root: t.e2eDataDir, name: "plain candidate", seed: 3 },
    { n: 8, root: t.e2eDataDir, name: "reasoning candidate", seed: 3, candidateReasoning: true },
  ]);
  const summaryOf = async (id: string) => ((await (await page.request.get(`/api/evals/${id}`)).json()) as { run: EvalRunView }).run.summary!;
  const [a, b] = [await summaryOf(plain!.runId), await summaryOf(thinking!.runId)];
  for (const metric of ["exactMatch", "jsonValid", "rougeL", "tokenF1"] as const) expect(b.metrics[metric]!.candidate).toBe(a.metrics[metric]!.candidate);
  expect(b.metrics.exactMatch!.candidate).toBeGreaterThan(0);

  await page.goto(`/evaluations/${thinking!.runId}`);
  await expect(page.getByTestId("eval-generation")).toHaveText("Answers: greedy · top-p 1 · up to 512 tokens · seed 0 · thinking on");
  const row0 = page.locator('[data-testid="sbs-row"][data-sample="0"]');
  const reasoning = row0.getByTestId("candidate-reasoning");
  await expect(reasoning.locator("summary")).toHaveText(/^Thinking \(\d+ words\)$/);
  await expect(reasoning.locator("pre")).toBeHidden();
  await expect(row0.getByTestId("candidate-output")).not.toContainText("<think>");
  await expect(row0.getByTestId("candidate-output")).toContainText('"intent"');
  await expect(row0.getByTestId("baseline-reasoning")).toHaveCount(0);
  await reasoning.locator("summary").click();
  await expect(reasoning.locator("pre")).toBeVisible();
  await expect(reasoning.locator("pre")).toContainText("The customer writes");
  // The row itself: a full-page capture resizes the window, and the virtualized list then draws its rows anew.
  await row0.screenshot({ path: `${DIR}/eval-reasoning.png` });
});
