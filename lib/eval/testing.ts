import { rm } from "node:fs/promises";
import path from "node:path";
import type { EvalStatus, Prisma, PrismaClient } from "@prisma/client";
import { dataDir } from "../env";
import { createFrozenVersion, deleteFrozenVersions, type LocalVersionFixture } from "../jobs/local/test-support";
import { mulberry32 } from "../random/mulberry32";
import { combineVerdicts, parseJudgeReply, parsePointwiseReply } from "./judge";
import { sampleMetrics } from "./metrics";
import { summarize, type SummarySample } from "./summary";
import type { ChatMessage, GenerationSettings, JudgeCall, PointwiseScores, SampleMetrics } from "./types";
import { deleteOpenAICredential, saveOpenAICredential } from "../settings/credentials";
import { withReasoning } from "../reasoning";

// Test and UI-development fixture: a finished (or half-finished) evaluation as the runner leaves it — a real
// dataset and frozen version on disk, an EvalRun, and one EvalSample per held-out line with varied outputs
// (exact answers, broken JSON, rambling paraphrases, very long replies, provider errors), judge replies scripted
// in both orders (fair most of the time, position-biased on ~10 % of rows) and read by the real parser, and the
// per-side metrics (sampleMetrics), verdicts (combineVerdicts) and summary (summarize) computed by evaluation's
// own functions. The
// same seed always gives the same rows, so tests can assert on them and screenshots stay stable.

export type SeedEvalRunOptions = {
  n: number;
  /** The data directory the frozen version is written under (default: the configured one). */
  root?: string;
  /** "succeeded" (default) has every sample scored and a summary; "running"/"failed"/"cancelled" stop part-way;
   * "queued" has prompts only. */
  status?: EvalStatus;
  /** Judge calls and verdicts (default true). */
  withJudge?: boolean;
  /** Tags cycled over the samples (default ["format", "refunds"]: the candidate is better on the first and worse on the second). */
  tags?: string[];
  seed?: number;
  name?: string;
  /** Make a succeeded local FineTuneJob on the same version and use `job:<id>` as the candidate. */
  withJob?: boolean;
  sweepId?: string;
  checkpointStep?: number;
  jsonSchema?: Record<string, unknown>;
  /** Share of samples whose baseline call failed after retries (default 0.03). */
  errorRate?: number;
  /** The candidate is a reasoning model: each of its outputs opens with its thinking (lib/eval/reasoning.ts). */
  candidateReasoning?: boolean;
};

export type SeededEvalRun = { runId: string; versionId: string; datasetId: string; jobId?: string };

const SYSTEM = "You are TechCorp's support triage assistant. Reply with one JSON object {\"intent\": ..., \"priority\": ...} and nothing else.";
const INTENTS = ["refund", "password_reset", "shipping", "billing", "cancel_subscription", "bug_report"] as const;
const PRIORITIES = ["low", "normal", "high"] as const;
const CUSTOMERS = ["Ana", "Bram", "Chen", "Dara", "Emeka", "Fatima", "Goran", "Hiro"];

/** The ticket of row i: a question whose right answer is a two-field JSON object. */
function ticket(i: number, rand: () => number) {
  const intent = INTENTS[Math.floor(rand() * INTENTS.length)]!;
  const priority = PRIORITIES[Math.floor(rand() * PRIORITIES.length)]!;
  const who = CUSTOMERS[i % CUSTOMERS.length]!;
  const text = {
    refund: `I was charged twice for order #${1000 + i} and want my money back.`,
    password_reset: `I can't log in to account ${i}; the reset email never arrives.`,
    shipping: `Parcel ${i} has been "in transit" for three weeks. Where is it?`,
    billing: `Why did my invoice ${i} go up by 20% this month?`,
    cancel_subscription: `Please cancel my subscription (customer ${i}) at the end of this period.`,
    bug_report: `The export button crashes the app on page ${i % 7} every time.`,
  }[intent];
  const prompt: ChatMessage[] = [
    { role: "system", content: SYSTEM },
    { role: "user", content: `${who} writes: ${text}${priority === "high" ? " This is urgent!" : ""}` },
  ];
  const expected = JSON.stringify({ intent, priority });
  return { prompt, expected, intent, priority };
}

type Style = "exact" | "fenced" | "broken" | "paraphrase" | "long" | "wrong";

function render(style: Style, t: { intent: string; priority: string; expected: string }): string {
  switch (style) {
    case "exact":
      return t.expected;
    case "fenced":
      return "```json\n" + t.expected + "\n```";
    case "broken":
      // Cut off mid-object, as a model that ran out of tokens or forgot the closing brace answers.
      return `{"intent": "${t.intent}", "priority": "${t.priority}"`;
    case "paraphrase":
      return `Thanks for reaching out! This looks like a ${t.intent.replace(/_/g, " ")} request with ${t.priority} priority. I'd be happy to help you with that.`;
    case "long":
      return (
        `Certainly! Let me walk through this ticket carefully. ` +
        Array.from({ length: 30 }, (_, k) => `Step ${k + 1}: consider whether the customer's message concerns ${t.intent.replace(/_/g, " ")}, and weigh the urgency (${t.priority}).`).join(" ") +
        ` In conclusion: ${t.expected}`
      );
    case "wrong":
      return JSON.stringify({ intent: "other", priority: "normal" });
  }
}

function pick<T>(rand: () => number, weighted: [T, number][]): T {
  const total = weighted.reduce((a, [, w]) => a + w, 0);
  let r = rand() * total;
  for (const [v, w] of weighted) if ((r -= w) < 0) return v;
  return weighted[weighted.length - 1]![0];
}

/** Styles per side by tag position: the candidate (a fine-tune) is better on the first tag, worse on the second. */
function stylesFor(tagIndex: number, rand: () => number): { baseline: Style; candidate: Style } {
  if (tagIndex === 0) {
    return {
      baseline: pick(rand, [["paraphrase", 4], ["fenced", 2], ["long", 1], ["exact", 1]]),
      candidate: pick(rand, [["exact", 7], ["broken", 1], ["wrong", 1]]),
    };
  }
  if (tagIndex === 1) {
    return {
      baseline: pick(rand, [["exact", 6], ["fenced", 2], ["paraphrase", 1]]),
      candidate: pick(rand, [["wrong", 4], ["broken", 3], ["long", 1], ["exact", 1]]),
    };
  }
  return {
    baseline: pick(rand, [["exact", 2], ["paraphrase", 2], ["fenced", 1], ["long", 1]]),
    candidate: pick(rand, [["exact", 3], ["broken", 1], ["wrong", 1], ["paraphrase", 1]]),
  };
}

/** A judge reply as a judge model writes it, read by the real parser. */
function judgeCall(winner: JudgeCall["winner"], rationale: string): JudgeCall {
  return parseJudgeReply(JSON.stringify({ winner, rationale }));
}

const QUALITY: Record<Style, number> = { exact: 5, fenced: 4, long: 2, paraphrase: 1, broken: 1, wrong: 0 };

/** Scripted judge in both orders: fair most of the time, position-biased ("always A") for ~10 % of rows. */
function scriptedJudge(b: Style, c: Style, rand: () => number): { forward: JudgeCall; swapped: JudgeCall } {
  const better: "candidate" | "baseline" | "tie" = QUALITY[c] > QUALITY[b] ? "candidate" : QUALITY[c] < QUALITY[b] ? "baseline" : "tie";
  const why = (side: string) => (side === "tie" ? "Both responses are equally close to the reference." : `Response ${side} matches the reference format and content more closely.`);
  const fair = (candidateLetter: "A" | "B") => {
    if (better === "tie") return judgeCall("tie", why("tie"));
    const letter = better === "candidate" ? candidateLetter : candidateLetter === "A" ? "B" : "A";
    return judgeCall(letter, why(letter));
  };
  if (rand() < 0.1) return { forward: judgeCall("A", why("A")), swapped: judgeCall("A", why("A")) };
  return { forward: fair("A"), swapped: fair("B") };
}

/** Pointwise scores (1..10) in line with the styles, read by the real parser. */
function scriptedPointwise(b: Style | null, c: Style): PointwiseScores {
  const score = (st: Style) => parsePointwiseReply(JSON.stringify({ score: 2 + QUALITY[st] + (st === "exact" ? 3 : 0), rationale: st === "exact" ? "Matches the reference exactly." : `The response is ${st} compared to the reference.` }));
  return b === null ? { candidate: score(c) } : { baseline: score(b), candidate: score(c) };
}

/** Metrics of one side, with plausible latency, token counts and price (USD per token, null = unknown). */
function sideMetrics(output: string, t: { prompt: ChatMessage[]; expected: string }, rand: () => number, usdPerToken: number | null, schema?: Record<string, unknown>): SampleMetrics {
  const promptTokens = Math.ceil(t.prompt.reduce((a, m) => a + m.content.length, 0) / 4) + 7;
  const completionTokens = Math.max(1, Math.ceil(output.length / 4));
  return sampleMetrics({
    output,
    expected: t.expected,
    latencyMs: Math.round(180 + completionTokens * 9 + rand() * 400),
    promptTokens,
    completionTokens,
    costUsd: usdPerToken === null ? null : (promptTokens + completionTokens) * usdPerToken,
    schema: schema ?? null,
  });
}

const GENERATION: GenerationSettings = { temperature: 0, topP: 1, maxTokens: 512, seed: 0 };

/** How many samples are done for a status (the rest have prompts only). */
function doneCount(n: number, status: EvalStatus): number {
  if (status === "succeeded") return n;
  if (status === "queued") return 0;
  return Math.floor(n * 0.6);
}

export async function seedEvalRun(db: PrismaClient, opts: SeedEvalRunOptions): Promise<SeededEvalRun> {
  const seed = opts.seed ?? 7;
  const rand = mulberry32(seed);
  const status = opts.status ?? "succeeded";
  const withJudge = opts.withJudge ?? true;
  const tags = opts.tags ?? ["format", "refunds"];
  const errorRate = opts.errorRate ?? 0.03;
  const tickets = Array.from({ length: opts.n }, (_, i) => ticket(i, rand));
  const lines = tickets.map((t) => JSON.stringify({ messages: [...t.prompt, { role: "assistant", content: t.expected }] }));
  const train = tickets.slice(0, 3).map((t) => JSON.stringify({ messages: [...t.prompt, { role: "assistant", content: t.expected }] }));
  const version = await createFrozenVersion(db, opts.root ?? dataDir(), { name: "eval-seed", train: train.join("\n") + "\n", validation: lines.join("\n") + "\n" });

  let jobId: string | undefined;
  if (opts.withJob) {
    const job = await db.fineTuneJob.create({
      data: { provider: "local", status: "succeeded", baseModel: "tiny-chat", datasetVersionId: version.versionId, hyperparameters: {}, finishedAt: new Date() },
    });
    jobId = job.id;
  }

  const done = doneCount(opts.n, status);
  const now = Date.now();
  const run = await db.evalRun.create({
    data: {
      name: opts.name ?? `seeded eval (${opts.n} samples)`,
      status,
      datasetVersionId: version.versionId,
      split: "validation",
      jobId: jobId ?? null,
      candidateSpec: jobId ? `job:${jobId}` : "openai:ft:gpt-4o-mini-2024-07-18:acme:triage:seeded",
      baselineSpec: "openai:gpt-4o-mini-2024-07-18",
      judgeSpec: withJudge ? "openai:gpt-4o-2024-08-06" : null,
      rubric: withJudge ? "Prefer the response that is exactly the expected JSON object." : null,
      // A reasoning candidate was asked to think (where a template has the switch).
      generation: opts.candidateReasoning ? { ...GENERATION, thinking: "on" } : GENERATION,
      jsonSchema: (opts.jsonSchema ?? undefined) as Prisma.InputJsonValue | undefined,
      concurrency: 8,
      warnings: [],
      sweepId: opts.sweepId ?? null,
      checkpointStep: opts.checkpointStep ?? null,
      errorMessage: status === "failed" ? "candidate: 404 The model `ft:gpt-4o-mini-2024-07-18:acme:triage:seeded` does not exist" : null,
      createdAt: new Date(now - 120_000),
      startedAt: status === "queued" ? null : new Date(now - 110_000),
      finishedAt: status === "succeeded" || status === "failed" || status === "cancelled" ? new Date(now - 5_000) : null,
    },
  });

  const rows: Prisma.EvalSampleCreateManyInput[] = tickets.map((t, i) => {
    const tagIndex = tags.length ? i % tags.length : -1;
    const base = { evalRunId: run.id, index: i, prompt: t.prompt, expected: t.expected, tags: tagIndex >= 0 ? [tags[tagIndex]!] : [] };
    if (i >= done) return base;
    const styles = stylesFor(tagIndex, rand);
    const baselineFailed = rand() < errorRate;
    const baselineOutput = baselineFailed ? null : render(styles.baseline, t);
    const answer = render(styles.candidate, t);
    const candidateOutput = opts.candidateReasoning ? withReasoning(`The customer writes: "${lastUser(t.prompt)}" That reads as ${t.expected}.`, answer) : answer;
    const judged = withJudge && !baselineFailed ? scriptedJudge(styles.baseline, styles.candidate, rand) : null;
    const baselineMetrics = baselineOutput === null ? null : sideMetrics(baselineOutput, t, rand, 0.6e-6, opts.jsonSchema);
    const candidateMetrics = sideMetrics(candidateOutput, t, rand, 1.2e-6, opts.jsonSchema);
    const judgePointwise = withJudge ? scriptedPointwise(baselineFailed ? null : styles.baseline, styles.candidate) : null;
    return {
      ...base,
      baselineOutput,
      candidateOutput,
      baselineMetrics: baselineMetrics ?? undefined,
      candidateMetrics,
      baselineError: baselineFailed ? "429 Rate limit reached for gpt-4o-mini (retried 5 times)" : null,
      judgeForward: judged?.forward,
      judgeSwapped: judged?.swapped,
      judgePointwise: judgePointwise ?? undefined,
      verdict: judged ? combineVerdicts(judged.forward, judged.swapped) : null,
    };
  });
  for (let k = 0; k < rows.length; k += 1000) await db.evalSample.createMany({ data: rows.slice(k, k + 1000) });
  // The runner stores a summary when a run ends (a cancelled run: over the samples done).
  if (status === "succeeded" || status === "cancelled") {
    const summary = summarize(rows.slice(0, done).map(summarySampleOf));
    await db.evalRun.update({ where: { id: run.id }, data: { summary } });
  }
  return { runId: run.id, versionId: version.versionId, datasetId: version.datasetId, ...(jobId ? { jobId } : {}) };
}

const lastUser = (prompt: ChatMessage[]) => prompt.filter((m) => m.role === "user").at(-1)?.content ?? "";

function summarySampleOf(r: Prisma.EvalSampleCreateManyInput): SummarySample {
  return {
    tags: (r.tags as string[] | undefined) ?? [],
    baselineMetrics: (r.baselineMetrics as SampleMetrics | undefined) ?? null,
    candidateMetrics: (r.candidateMetrics as SampleMetrics | undefined) ?? null,
    verdict: r.verdict ?? null,
    humanVerdict: r.humanVerdict ?? null,
    judgePointwise: (r.judgePointwise as PointwiseScores | undefined) ?? null,
  };
}

/** Deletes seeded runs (their samples cascade), jobs, versions, datasets and frozen files. */
export async function removeSeededEvalRuns(db: PrismaClient, seeded: SeededEvalRun[], root: string = dataDir()): Promise<void> {
  await db.evalRun.deleteMany({ where: { id: { in: seeded.map((s) => s.runId) } } });
  await db.fineTuneJob.deleteMany({ where: { id: { in: seeded.flatMap((s) => (s.jobId ? [s.jobId] : [])) } } });
  await db.datasetVersion.deleteMany({ where: { id: { in: seeded.map((s) => s.versionId) } } });
  await db.dataset.deleteMany({ where: { id: { in: seeded.map((s) => s.datasetId) } } });
  for (const s of seeded) await rm(path.join(root, "datasets", s.datasetId), { recursive: true, force: true });
}

/**
 * An OpenAI key saved in Settings as a user would (createEval refuses openai: specs without one); `baseUrl`
 * points the workers at the emulator. The returned function removes it again.
 */
export async function storeTestOpenAIKey(db: PrismaClient, baseUrl?: string): Promise<() => Promise<void>> {
  await saveOpenAICredential({ apiKey: "sk-test-eval-settings", ...(baseUrl ? { baseUrl } : {}) }, { db });
  return async () => {
    await deleteOpenAICredential({ db });
  };
}

/** Removes the evaluation runs made on `fixtures`, then the fixtures themselves (their dataset folders and rows). */
export async function removeEvalFixtures(db: PrismaClient, fixtures: LocalVersionFixture[], root: string = dataDir()): Promise<void> {
  await db.evalRun.deleteMany({ where: { datasetVersionId: { in: fixtures.map((f) => f.versionId) } } });
  for (const f of fixtures) await rm(path.join(root, "datasets", f.datasetId), { recursive: true, force: true });
  await deleteFrozenVersions(db, fixtures);
}
