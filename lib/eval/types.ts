import { z } from "zod";
import { parseSpec, SpecError } from "./spec";
import { THINKING_MODES } from "../reasoning";

// The shapes every part of evaluation shares: the create request (API, form, CLI), what each sample stores
// (metrics per side, judge verdicts in both orders, pointwise scores), and the run's summary. Samples are rows of
// EvalSample; these types describe their Json columns.

const specField = (what: string) =>
  z.string({ error: `${what} must be a model spec` }).superRefine((raw, ctx) => {
    try {
      parseSpec(raw);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: err instanceof SpecError ? err.message : String(err) });
    }
  });

export const generationSchema = z
  .object({
    /** 0 = greedy, the default: an evaluation should be repeatable. */
    temperature: z.number().min(0).max(2).default(0),
    topP: z.number().gt(0).max(1).default(1),
    maxTokens: z.number().int().min(1).max(8192).default(512),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    /** Reasoning models whose template has the switch (Qwen3): local models and endpoint: servers; absent or "default" = the template's. */
    thinking: z.enum(THINKING_MODES).optional(),
  })
  .strict();
export type GenerationSettings = z.output<typeof generationSchema>;

export const DEFAULT_RUBRIC =
  "Judge which response better answers the user: correct, complete, follows the requested format, and no longer than needed. " +
  "Use the expected answer as the reference for correctness.";

export const createEvalSchema = z
  .object({
    name: z.string().max(200).default(""),
    datasetVersionId: z.string().min(1, "pick a dataset version"),
    /** The held-out split; "validation" by default. */
    split: z.enum(["train", "validation"]).default("validation"),
    candidate: specField("candidate"),
    baseline: specField("baseline"),
    /** Judge model spec (openai: or endpoint:); no judge = metrics only. */
    judge: specField("judge").optional(),
    rubric: z.string().max(20_000).optional(),
    /** A JSON Schema the outputs must conform to (schemaValid metric). */
    jsonSchema: z.record(z.string(), z.unknown()).optional(),
    generation: generationSchema.default(generationSchema.parse({})),
    concurrency: z.number().int().min(1).max(64).default(8),
    /** Evaluate at most this many samples of the split (first N, in file order). */
    limit: z.number().int().min(1).max(100_000).optional(),
    /** The job this eval was started from ("Evaluate this job"). */
    jobId: z.string().optional(),
    /** One run per kept checkpoint of the candidate job (candidate must be job:<id>), plus the final adapter. */
    sweepCheckpoints: z.boolean().default(false),
  })
  .strict();
export type CreateEvalRequest = z.input<typeof createEvalSchema>;
export type CreateEval = z.output<typeof createEvalSchema>;

/** Per-sample, per-side metrics (EvalSample.baselineMetrics / candidateMetrics). Scores are 0..1. */
export type SampleMetrics = {
  exactMatch: number;
  normalizedMatch: number;
  jsonValid: number;
  /** Only when the run has a jsonSchema. */
  schemaValid?: number;
  /** Only on samples that offered tools or expect a call: the calls made are the expected ones (lib/eval/tool-calls). */
  toolCallMatch?: number;
  /** Only with toolCallMatch: the expected functions were called, whatever the arguments. */
  toolNameMatch?: number;
  rougeL: number;
  tokenF1: number;
  /** Output length / expected length in characters (null when there is no expected answer). */
  lengthRatio: number | null;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  /** null when the model's price is unknown (local models cost nothing: 0). */
  costUsd: number | null;
};

/** Metrics the summary compares with deltas and intervals (higher is better for all of them). */
export const QUALITY_METRICS = ["exactMatch", "normalizedMatch", "jsonValid", "schemaValid", "toolCallMatch", "toolNameMatch", "rougeL", "tokenF1"] as const;
export type QualityMetric = (typeof QUALITY_METRICS)[number];

/** One pairwise judgement; `winner` is in the order shown to the judge (A first). */
export type JudgeCall = { winner: "A" | "B" | "tie"; rationale: string; raw: string };
/** EvalSample.judgeForward: candidate shown as A; judgeSwapped: candidate shown as B. */
export type Verdict = "candidate" | "baseline" | "tie" | "inconsistent";

/** EvalSample.judgePointwise: score 1..10 against the expected answer, as the seed's llm_judge. */
export type PointwiseScores = { baseline?: { score: number; rationale: string }; candidate?: { score: number; rationale: string } };

export type Interval = [number, number];

export type MetricSummary = {
  baseline: number;
  candidate: number;
  delta: number;
  /** 95 % paired bootstrap interval of the delta (candidate − baseline). */
  ci: Interval;
  n: number;
};

export type TagBreakdown = {
  tag: string;
  n: number;
  winRate: { candidate: number; ci: Interval } | null;
  metrics: Partial<Record<QualityMetric, MetricSummary>>;
  /** The candidate is worse here: win rate interval entirely below 0.5 or a metric delta interval below 0. */
  regression: boolean;
  improvement: boolean;
};

export type SideTotals = { latencyMsP50: number | null; latencyMsP95: number | null; promptTokens: number; completionTokens: number; costUsd: number | null; errors: number };

export type EvalSummary = {
  n: number;
  /** Samples where both sides produced an output. */
  scored: number;
  /** Judge verdicts (human overrides applied): wins/losses/ties/inconsistent, and the candidate's win rate
   * = (wins + (ties + inconsistent)/2) / judged, with its 95 % Wilson interval. null without a judge. */
  verdicts: { candidate: number; baseline: number; tie: number; inconsistent: number; judged: number } | null;
  winRate: { candidate: number; ci: Interval } | null;
  /** Judge–human agreement over samples with both a judge verdict and a human one. */
  agreement: { n: number; agree: number } | null;
  metrics: Partial<Record<QualityMetric, MetricSummary>>;
  pointwise: { baseline: number | null; candidate: number | null } | null;
  tags: TagBreakdown[];
  baseline: SideTotals;
  candidate: SideTotals;
};

/** What the eval worker publishes on the run's live channel while it runs. */
export type EvalProgress = { generated: { baseline: number; candidate: number }; judged: number; total: number; status: string };

// ───── what the API returns (lib/eval/view.ts builds these; the UI and CLI read them) ─────

/** A prompt message: OpenAI's chat shape, with an assistant turn's tool_calls and a tool result's tool_call_id kept. */
export type ChatMessage = { role: string; content: string; tool_calls?: JsonValue[]; tool_call_id?: string; name?: string };
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type EvalRunView = {
  id: string;
  name: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  datasetVersionId: string;
  datasetId: string;
  datasetName: string;
  versionNumber: number;
  split: "train" | "validation" | "test";
  jobId: string | null;
  candidateSpec: string;
  baselineSpec: string;
  judgeSpec: string | null;
  rubric: string | null;
  jsonSchema: Record<string, unknown> | null;
  generation: GenerationSettings;
  concurrency: number;
  warnings: string[];
  sweepId: string | null;
  checkpointStep: number | null;
  /** Counts while running (and after). */
  progress: { total: number; baseline: number; candidate: number; judged: number; errors: number };
  summary: EvalSummary | null;
  errorMessage: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
};

export type EvalSampleView = {
  index: number;
  prompt: ChatMessage[];
  /** The tool definitions both models were offered (OpenAI's "tools"); null when the sample had none. */
  tools: unknown[] | null;
  expected: string | null;
  tags: string[];
  baselineOutput: string | null;
  candidateOutput: string | null;
  baselineMetrics: SampleMetrics | null;
  candidateMetrics: SampleMetrics | null;
  baselineError: string | null;
  candidateError: string | null;
  judgeForward: JudgeCall | null;
  judgeSwapped: JudgeCall | null;
  judgePointwise: PointwiseScores | null;
  judgeError: string | null;
  /** The judge's combined verdict. */
  verdict: Verdict | null;
  /** A person's override, kept apart; the summary counts it in place of `verdict`. */
  humanVerdict: Verdict | null;
};

/** GET /api/evals/[id]/samples?after=<index>&limit=<n>: pages in index order. */
export type EvalSamplesPage = { samples: EvalSampleView[]; next: number | null };
