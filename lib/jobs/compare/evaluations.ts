import type { PrismaClient } from "@prisma/client";
import type { EvalSummary, QualityMetric } from "../../eval/types";
import { METRIC_LABELS, percent, signedPoints, winRateText } from "../../eval/words";
import type { JobView } from "../types";
import { row, type CompareRow } from "./types";

// The compare page's evaluation rows: each job's latest finished evaluation (its own adapter or model, not a
// checkpoint's), so a sweep's runs evaluated one by one ("Evaluate this job") line up on held-out data, not only on
// their training curves. The highest win rate is marked.

export type LatestEvaluation = { jobId: string; id: string; baselineSpec: string; summary: Pick<EvalSummary, "n" | "winRate" | "metrics"> };


/** Each job's newest succeeded evaluation of the job itself (sweep members of checkpoints left out). */
export async function latestEvaluations(db: PrismaClient, jobIds: readonly string[]): Promise<LatestEvaluation[]> {
  const runs = await db.evalRun.findMany({
    where: { jobId: { in: [...jobIds] }, status: "succeeded", checkpointStep: null },
    orderBy: { createdAt: "desc" },
    select: { id: true, jobId: true, baselineSpec: true, summary: true },
  });
  const latest = new Map<string, LatestEvaluation>();
  for (const r of runs) if (r.jobId && r.summary && !latest.has(r.jobId)) latest.set(r.jobId, { jobId: r.jobId, id: r.id, baselineSpec: r.baselineSpec, summary: r.summary as LatestEvaluation["summary"] });
  return [...latest.values()];
}

export function evaluationRows(jobs: readonly JobView[], evaluations: readonly LatestEvaluation[]): CompareRow[] {
  const of = jobs.map((j) => evaluations.find((e) => e.jobId === j.id) ?? null);
  if (of.every((e) => e === null)) return [];
  const rows = [row("evalBaseline", "Results", "Evaluated against", of.map((e) => (e ? `${e.baselineSpec} (${e.summary.n} samples)` : null)))];
  const win = row("evalWinRate", "Results", "Judged win rate", of.map((e) => (e?.summary.winRate ? winRateText(e.summary.winRate) : null)));
  const rates = of.flatMap((e, i) => (e?.summary.winRate ? [{ i, v: e.summary.winRate.candidate }] : []));
  if (rates.length > 1 && new Set(rates.map((r) => r.v)).size > 1) {
    win.best = rates.reduce((a, b) => (b.v > a.v ? b : a)).i;
    win.bestLabel = "highest";
  }
  if (win.cells.some((c) => c !== null)) rows.push(win);
  // The metrics every evaluated job has, each as the candidate's mean and its change against the baseline.
  const metrics = (Object.keys(METRIC_LABELS) as QualityMetric[]).filter((m) => of.some((e) => e?.summary.metrics[m]));
  for (const m of metrics) {
    rows.push(row(`eval-${m}`, "Results", `Evaluation: ${METRIC_LABELS[m]}`, of.map((e) => {
      const s = e?.summary.metrics[m];
      return s ? `${percent(s.candidate)} (${signedPoints(s.delta)})` : null;
    })));
  }
  return rows;
}
