import type { EvalRun, EvalSample, Prisma, PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { HttpError } from "../http/errors";
import { generationSchema, type ChatMessage, type EvalRunView, type EvalSampleView, type EvalSummary, type GenerationSettings, type JudgeCall, type PointwiseScores, type SampleMetrics } from "./types";

// Row → view conversions for evaluations, and the loader the API, pages and CLI share. Progress comes from one
// aggregate query over the samples (counts only), so showing a 10,000-sample run never loads its samples.

export const EVAL_RUN_INCLUDE = {
  datasetVersion: { select: { number: true, datasetId: true, dataset: { select: { name: true } } } },
} satisfies Prisma.EvalRunInclude;

export type EvalRunRow = EvalRun & { datasetVersion: { number: number; datasetId: string; dataset: { name: string } } };

export type EvalProgressCounts = EvalRunView["progress"];

const EMPTY_PROGRESS: EvalProgressCounts = { total: 0, baseline: 0, candidate: 0, judged: 0, errors: 0 };

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Stored generation settings with defaults for anything missing (older rows, hand-made rows). */
function generationOf(raw: unknown): GenerationSettings {
  const defaults = generationSchema.parse({});
  const parsed = generationSchema.partial().safeParse(raw ?? {});
  return parsed.success ? { ...defaults, ...Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) } : defaults;
}

export function toEvalRunView(row: EvalRunRow, progress: EvalProgressCounts = EMPTY_PROGRESS): EvalRunView {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    datasetVersionId: row.datasetVersionId,
    datasetId: row.datasetVersion.datasetId,
    datasetName: row.datasetVersion.dataset.name,
    versionNumber: row.datasetVersion.number,
    split: row.split,
    jobId: row.jobId,
    candidateSpec: row.candidateSpec,
    baselineSpec: row.baselineSpec,
    judgeSpec: row.judgeSpec,
    rubric: row.rubric,
    jsonSchema: (row.jsonSchema as Record<string, unknown> | null) ?? null,
    generation: generationOf(row.generation),
    concurrency: row.concurrency,
    warnings: Array.isArray(row.warnings) ? (row.warnings as unknown[]).map(String) : [],
    sweepId: row.sweepId,
    checkpointStep: row.checkpointStep,
    progress,
    summary: (row.summary as EvalSummary | null) ?? null,
    errorMessage: row.errorMessage,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  };
}

export function toEvalSampleView(s: EvalSample): EvalSampleView {
  return {
    index: s.index,
    prompt: (s.prompt as ChatMessage[] | null) ?? [],
    tools: (s.tools as unknown[] | null) ?? null,
    expected: s.expected,
    tags: s.tags,
    baselineOutput: s.baselineOutput,
    candidateOutput: s.candidateOutput,
    baselineMetrics: (s.baselineMetrics as SampleMetrics | null) ?? null,
    candidateMetrics: (s.candidateMetrics as SampleMetrics | null) ?? null,
    baselineError: s.baselineError,
    candidateError: s.candidateError,
    judgeForward: (s.judgeForward as JudgeCall | null) ?? null,
    judgeSwapped: (s.judgeSwapped as JudgeCall | null) ?? null,
    judgePointwise: (s.judgePointwise as PointwiseScores | null) ?? null,
    judgeError: s.judgeError,
    verdict: s.verdict,
    humanVerdict: s.humanVerdict,
  };
}

/**
 * Per-run counts in one grouped query. A side counts as done for a sample once it has an output or a final error
 * (retries spent); judged likewise counts a verdict or a judge error; errors counts samples with any error.
 */
export async function evalProgress(db: PrismaClient, runIds: string[]): Promise<Map<string, EvalProgressCounts>> {
  const out = new Map<string, EvalProgressCounts>();
  if (runIds.length === 0) return out;
  const rows = await db.$queryRaw<{ id: string; total: bigint; baseline: bigint; candidate: bigint; judged: bigint; errors: bigint }[]>`
    SELECT eval_run_id AS id,
           count(*) AS total,
           count(*) FILTER (WHERE baseline_output IS NOT NULL OR baseline_error IS NOT NULL) AS baseline,
           count(*) FILTER (WHERE candidate_output IS NOT NULL OR candidate_error IS NOT NULL) AS candidate,
           count(*) FILTER (WHERE verdict IS NOT NULL OR judge_error IS NOT NULL) AS judged,
           count(*) FILTER (WHERE baseline_error IS NOT NULL OR candidate_error IS NOT NULL OR judge_error IS NOT NULL) AS errors
    FROM eval_samples WHERE eval_run_id = ANY(${runIds}::text[]) GROUP BY eval_run_id`;
  for (const r of rows) {
    out.set(r.id, { total: Number(r.total), baseline: Number(r.baseline), candidate: Number(r.candidate), judged: Number(r.judged), errors: Number(r.errors) });
  }
  return out;
}

export const evalRunNotFound = (id: string) => new HttpError(404, "eval_not_found", `No evaluation run with id ${id}. List runs with GET /api/evals (or \`tuneforge eval list\`).`);

export async function loadEvalRunRow(db: PrismaClient, id: string): Promise<EvalRunRow> {
  const row = await db.evalRun.findUnique({ where: { id }, include: EVAL_RUN_INCLUDE });
  if (!row) throw evalRunNotFound(id);
  return row;
}

export async function getEvalRunView(id: string, deps: { db?: PrismaClient } = {}): Promise<EvalRunView> {
  const db = deps.db ?? prisma();
  const row = await loadEvalRunRow(db, id);
  const progress = await evalProgress(db, [id]);
  return toEvalRunView(row, progress.get(id) ?? EMPTY_PROGRESS);
}
