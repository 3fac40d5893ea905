import { expect, test } from "./stack";
import type { EvalRunView, EvalSamplesPage } from "../lib/eval/types";
import { emulatorFaults, launchHostedJob, sampleVersion, useEmulatorKey } from "./hosted-data";
import { expectBreaksOnlyAfter } from "./layout";
import { screenshotPage } from "./screenshot";

// The whole evaluation loop with nothing seeded: a hosted job trains on the emulator and succeeds; "Evaluate
// this job" on its page prefills the form (candidate = its ft: model, baseline = its base model, the version's
// validation split); a judge is added and the run starts on the real eval worker; the page follows it to the
// end; then the side-by-side view is filtered to the candidate's losses and a person overrules the judge.
// The emulator's fine-tune answers with the reply of its nearest training example and the base model with a
// generic paraphrase, and its judge compares both to the expected answer in both orders, so the verdicts are
// the product of the real pipeline, not scripted.

const API_KEY = "sk-test-e2e-eval-flow-0000abcd";
const DIR = "e2e/artifacts";

test.beforeEach(async ({ request }) => {
  await emulatorFaults(request, "reset");
  await useEmulatorKey(request, API_KEY);
});

test("evaluate a finished job from its page, watch the run finish, filter to losses and overrule the judge", async ({ page, request }) => {
  test.setTimeout(180_000);
  const { datasetId, version } = await sampleVersion(request);
  const jobId = await launchHostedJob(request, datasetId, version.number, "evalflow");
  await expect
    .poll(async () => ((await (await request.get(`/api/jobs/${jobId}`)).json()) as { job: { status: string } }).job.status, { timeout: 90_000, intervals: [500] })
    .toBe("succeeded");

  await page.goto(`/jobs/${jobId}`);
  await page.getByRole("link", { name: "Evaluate this job" }).click();
  await expect(page.getByLabel("Candidate", { exact: true })).toHaveValue(`job:${jobId}`);
  await expect(page.getByLabel("Baseline", { exact: true })).toHaveValue("openai:gpt-4o-mini-2024-07-18");
  await expect(page.getByLabel("Split")).toHaveValue("validation");
  await page.getByLabel("Judge model").fill("openai:gpt-4o");
  await page.getByLabel("Name").fill("eval flow");
  await page.getByRole("button", { name: "Start evaluation" }).click();
  await expect(page).toHaveURL(/\/evaluations\/(?!new)[\w-]+$/);
  const runId = new URL(page.url()).pathname.split("/").at(-1)!;

  await expect(page.getByText("succeeded", { exact: true }).first()).toBeVisible({ timeout: 120_000 });
  const run = ((await (await request.get(`/api/evals/${runId}`)).json()) as { run: EvalRunView }).run;
  expect(run.candidateSpec).toBe(`job:${jobId}`);
  expect(run.jobId).toBe(jobId);
  const summary = run.summary!;
  // Every held-out row of the version was generated on both sides and judged in both orders.
  expect(summary.n).toBe(version.validationCount);
  expect(summary.scored).toBe(summary.n);
  expect(summary.verdicts!.judged).toBe(summary.n);
  const { samples } = (await (await request.get(`/api/evals/${runId}/samples?limit=1000`)).json()) as EvalSamplesPage;
  expect(samples.every((s) => s.baselineOutput && s.candidateOutput && s.judgeForward && s.judgeSwapped && s.verdict)).toBe(true);
  const losses = samples.filter((s) => s.verdict === "baseline");
  // The fine-tune answers from its nearest training example, which misses on some held-out questions.
  expect(losses.length).toBeGreaterThan(0);
  await expect(page.getByTestId("win-rate")).toContainText(`${(summary.winRate!.candidate * 100).toFixed(1)} %`);
  // The header names the models by their specs; a line ends after a spec's colon, never inside a name at a hyphen.
  const description = page.locator(".page-header p");
  for (const spec of [`job:${jobId}`, "openai:gpt-4o-mini-2024-07-18", "openai:gpt-4o"]) await expectBreaksOnlyAfter(description.getByText(spec, { exact: true }), ":");
  await screenshotPage(page, `${DIR}/eval-flow-done.png`);

  // Side by side, only the rows the candidate lost.
  await page.getByTestId("filter-verdict").selectOption("losses");
  await expect(page.getByText(`${losses.length} of ${summary.n} rows shown.`)).toBeVisible();
  const lost = page.getByTestId("sbs-row").first();
  await expect(lost).toContainText("judge: baseline wins");
  const index = Number(await lost.getAttribute("data-sample"));
  expect(losses.map((s) => s.index)).toContain(index);

  // A person reads both answers and disagrees: the candidate was better. The summary counts the override,
  // the judge's own verdict stays stored, and agreement shows 0 of 1.
  await lost.getByRole("button", { name: "Candidate" }).click();
  await expect(page.getByTestId("count-candidate")).toHaveText(String(summary.verdicts!.candidate + 1));
  await expect(page.getByTestId("count-baseline")).toHaveText(String(summary.verdicts!.baseline - 1));
  await expect(page.getByTestId("agreement")).toContainText("0 of 1 rows a person reviewed");
  await expect(page.getByText(`${losses.length - 1} of ${summary.n} rows shown.`)).toBeVisible();
  const after = ((await (await request.get(`/api/evals/${runId}/samples?limit=1000`)).json()) as EvalSamplesPage).samples.find((s) => s.index === index);
  expect(after).toMatchObject({ index, verdict: "baseline", humanVerdict: "candidate" });
  await screenshotPage(page, `${DIR}/eval-flow-overruled.png`);
});
