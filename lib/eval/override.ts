import type { Prisma, PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { HttpError } from "../http/errors";
import { summarize, type SummarySample } from "./summary";
import type { EvalSampleView, EvalSummary, PointwiseScores, SampleMetrics, Verdict } from "./types";
import { evalRunNotFound, toEvalSampleView } from "./view";

// A person's verdict on one sample. It is stored apart from the judge's (humanVerdict), so the judge's call
// stays visible and judge–human agreement can be measured; the summary counts the human verdict in its place.
// "inconsistent" is the judge's own failure mode, not something a person decides, so it is not accepted here.

export const HUMAN_VERDICTS = ["candidate", "baseline", "tie"] as const;
export type HumanVerdict = (typeof HUMAN_VERDICTS)[number];

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

export type OverrideResult = { sample: EvalSampleView; summary: EvalSummary | null };

/** Every sample of a run in the shape summarize reads (index order: the bootstrap is seeded, so order matters). */
export async function summarySamples(db: Prisma.TransactionClient, runId: string): Promise<SummarySample[]> {
  const rows = await db.evalSample.findMany({
    where: { evalRunId: runId },
    orderBy: { index: "asc" },
    select: { tags: true, baselineMetrics: true, candidateMetrics: true, verdict: true, humanVerdict: true, judgePointwise: true },
  });
  return rows.map((r) => ({
    tags: r.tags,
    baselineMetrics: (r.baselineMetrics as SampleMetrics | null) ?? null,
    candidateMetrics: (r.candidateMetrics as SampleMetrics | null) ?? null,
    verdict: r.verdict as Verdict | null,
    humanVerdict: r.humanVerdict as Verdict | null,
    judgePointwise: (r.judgePointwise as PointwiseScores | null) ?? null,
  }));
}

/**
 * Sets (or, with null, clears) the human verdict of sample `index` and, for a finished run, recomputes and stores
 * the summary. While a run is still going its summary is the runner's to write at the end (it reads the human
 * verdicts then), so it is left alone and the current one is returned.
 */
export async function setHumanVerdict(runId: string, index: number, verdict: HumanVerdict | null, deps: { db?: PrismaClient } = {}): Promise<OverrideResult> {
  const db = deps.db ?? prisma();
  return db.$transaction(
    async (tx) => {
      // The run row is locked so two overrides at once recompute one after the other: the summary stored last
      // always includes both.
      const [run] = await tx.$queryRaw<{ status: string; summary: Prisma.JsonValue }[]>`SELECT status::text AS status, summary FROM eval_runs WHERE id = ${runId} FOR UPDATE`;
      if (!run) throw evalRunNotFound(runId);
      const exists = await tx.evalSample.findUnique({ where: { evalRunId_index: { evalRunId: runId, index } }, select: { id: true } });
      if (!exists) {
        const count = await tx.evalSample.count({ where: { evalRunId: runId } });
        throw new HttpError(404, "sample_not_found", `Evaluation ${runId} has no sample ${index}; its samples are numbered 0 to ${count - 1}.`);
      }
      const sample = await tx.evalSample.update({
        where: { id: exists.id },
        data: { humanVerdict: verdict, humanVerdictAt: verdict === null ? null : new Date() },
      });
      if (!FINISHED.has(run.status)) return { sample: toEvalSampleView(sample), summary: (run.summary as EvalSummary | null) ?? null };
      const summary = summarize(await summarySamples(tx, runId));
      await tx.evalRun.update({ where: { id: runId }, data: { summary } });
      return { sample: toEvalSampleView(sample), summary };
    },
    // Summarizing a 10,000-sample run takes well under a second, but leave room on a busy machine.
    { timeout: 30_000 },
  );
}
