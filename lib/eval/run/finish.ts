import type { Prisma, PrismaClient } from "@prisma/client";
import { publishEvalProgress } from "../live";
import { summarize, type SummarySample } from "../summary";
import type { EvalProgress, PointwiseScores, SampleMetrics, Verdict } from "../types";
import type { EvalRunDeps, EvalRunOutcome } from "./index";

// How a run ends: the summary computed from every stored sample (human overrides included), the final status
// (failed when every sample failed on one side, with that provider's message), and the last live message.

type StoredSample = {
  tags: string[];
  baselineMetrics: unknown;
  candidateMetrics: unknown;
  verdict: Verdict | null;
  humanVerdict: Verdict | null;
  judgePointwise: unknown;
  baselineError: string | null;
  candidateError: string | null;
};

async function loadSummarySamples(db: Prisma.TransactionClient, evalRunId: string): Promise<StoredSample[]> {
  return (await db.evalSample.findMany({
    where: { evalRunId },
    orderBy: { index: "asc" },
    select: { tags: true, baselineMetrics: true, candidateMetrics: true, verdict: true, humanVerdict: true, judgePointwise: true, baselineError: true, candidateError: true },
  })) as StoredSample[];
}

const toSummarySample = (s: StoredSample): SummarySample => ({
  tags: s.tags,
  baselineMetrics: (s.baselineMetrics as SampleMetrics | null) ?? null,
  candidateMetrics: (s.candidateMetrics as SampleMetrics | null) ?? null,
  verdict: s.verdict,
  humanVerdict: s.humanVerdict,
  judgePointwise: (s.judgePointwise as PointwiseScores | null) ?? null,
});

/**
 * Reads the samples and writes the summary with the run row locked (SELECT … FOR UPDATE), the same lock a human
 * override takes (lib/eval/override.ts): an override either lands before and is counted here, or after, sees
 * the run finished and recomputes the summary itself — never in between, lost.
 */
async function underRunLock<T>(db: PrismaClient, evalRunId: string, fn: (tx: Prisma.TransactionClient, status: string) => Promise<T>): Promise<T> {
  return db.$transaction(
    async (tx) => {
      const [row] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text AS status FROM eval_runs WHERE id = ${evalRunId} FOR UPDATE`;
      return fn(tx, row?.status ?? "missing");
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}

export async function storeSummary(db: PrismaClient, evalRunId: string): Promise<void> {
  await underRunLock(db, evalRunId, async (tx) => {
    const samples = await loadSummarySamples(tx, evalRunId);
    await tx.evalRun.update({ where: { id: evalRunId }, data: { summary: summarize(samples.map(toSummarySample)) as unknown as Prisma.InputJsonValue } });
  });
}

/** Succeeded, unless every sample failed on one side: then the run failed with that provider's message. */
export async function complete(deps: EvalRunDeps, evalRunId: string, progress: EvalProgress): Promise<{ outcome: EvalRunOutcome }> {
  const result = await underRunLock(deps.db, evalRunId, async (tx, current) => {
    // Cancelled while the last samples finished: the cancel wins (its summary is written below).
    if (current !== "queued" && current !== "running") return null;
    const samples = await loadSummarySamples(tx, evalRunId);
    const summary = summarize(samples.map(toSummarySample)) as unknown as Prisma.InputJsonValue;
    let errorMessage: string | null = null;
    for (const which of ["baseline", "candidate"] as const) {
      const key = which === "baseline" ? "baselineError" : "candidateError";
      if (samples.length > 0 && samples.every((s) => s[key] !== null)) {
        errorMessage = `Every ${which} generation failed; the first error: ${samples[0]![key]}`;
        break;
      }
    }
    const status: "succeeded" | "failed" = errorMessage ? "failed" : "succeeded";
    await tx.evalRun.update({ where: { id: evalRunId }, data: { status, finishedAt: new Date(), summary, errorMessage } });
    return { status, errorMessage };
  });
  if (!result) {
    await storeSummary(deps.db, evalRunId);
    return { outcome: "cancelled" };
  }
  if (result.status === "failed") deps.log.warn(`[eval] run ${evalRunId} failed: ${result.errorMessage}`);
  else deps.log.info(`[eval] run ${evalRunId} succeeded`);
  await publishEvalProgress(deps.redis, deps.prefix, evalRunId, { ...progress, status: result.status }).catch(() => undefined);
  return { outcome: result.status };
}

/** A run that cannot start fails, conditional on it still being live (a cancel that came first wins). */
export async function failEarly(deps: EvalRunDeps, evalRunId: string, errorMessage: string): Promise<{ outcome: EvalRunOutcome }> {
  const changed = await deps.db.evalRun.updateMany({
    where: { id: evalRunId, status: { in: ["queued", "running"] } },
    data: { status: "failed", finishedAt: new Date(), errorMessage },
  });
  if (changed.count === 0) return { outcome: "cancelled" };
  deps.log.warn(`[eval] run ${evalRunId} failed: ${errorMessage}`);
  await publishEvalProgress(deps.redis, deps.prefix, evalRunId, { generated: { baseline: 0, candidate: 0 }, judged: 0, total: 0, status: "failed" }).catch(() => undefined);
  return { outcome: "failed" };
}
