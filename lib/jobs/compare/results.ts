import { formatDuration } from "../monitor/progress";
import type { JobView, MetricPointView } from "../types";
import { row, type CompareRow } from "./types";

// What each compared job came to: how far it ran, its losses (the lowest of each marked), time, tokens and cost.
// Figures come from the job's stored metric points, so a running job shows where it is now.

const loss = (n: number) => n.toFixed(4);
const usd = (n: number) => `$${n.toFixed(n < 0.01 ? 4 : 2)}`;

function lastOf(points: readonly MetricPointView[], pick: (p: MetricPointView) => number | null): { step: number; value: number } | null {
  for (let i = points.length - 1; i >= 0; i--) {
    const v = pick(points[i]!);
    if (v !== null && Number.isFinite(v)) return { step: points[i]!.step, value: v };
  }
  return null;
}

function lowestOf(points: readonly MetricPointView[], pick: (p: MetricPointView) => number | null): { step: number; value: number } | null {
  let best: { step: number; value: number } | null = null;
  for (const p of points) {
    const v = pick(p);
    if (v !== null && Number.isFinite(v) && (!best || v < best.value)) best = { step: p.step, value: v };
  }
  return best;
}

/** A results row whose figures are losses: the lowest one is marked when they are not all equal. */
function lossRow(key: string, label: string, figures: ({ step: number; value: number } | null)[], withStep: boolean): CompareRow {
  const r = row(key, "Results", label, figures.map((f) => (f ? `${loss(f.value)}${withStep ? ` (step ${f.step})` : ""}` : null)));
  const values = figures.flatMap((f, i) => (f ? [{ i, v: Number(loss(f.value)) }] : []));
  if (values.length > 1 && new Set(values.map((x) => x.v)).size > 1) r.best = values.reduce((a, b) => (b.v < a.v ? b : a)).i;
  return r;
}

function steps(j: JobView): string | null {
  if (!j.progress) return null;
  const total = j.progress.totalSteps;
  return `${j.progress.step}${total ? ` of ${total}` : ""}${j.stoppedEarly ? " (stopped early)" : ""}`;
}

function trainingTime(j: JobView): string | null {
  if (!j.startedAt) return null;
  const end = j.finishedAt ? Date.parse(j.finishedAt) : null;
  return end === null ? "running" : formatDuration(end - Date.parse(j.startedAt));
}

function cost(j: JobView): string | null {
  if (j.provider === "local") return "none (own hardware)";
  if (j.actualUsd !== null) return usd(j.actualUsd);
  return j.estimatedUsd !== null ? `${usd(j.estimatedUsd)} (estimate)` : null;
}

export function resultRows(jobs: readonly JobView[]): CompareRow[] {
  const rows: CompareRow[] = [
    row("status", "Results", "Status", jobs.map((j) => j.status)),
    row("steps", "Results", "Steps", jobs.map(steps)),
    lossRow("finalTrainLoss", "Final training loss", jobs.map((j) => lastOf(j.metrics, (p) => p.trainLoss)), false),
    lossRow("finalValidLoss", "Final validation loss", jobs.map((j) => lastOf(j.metrics, (p) => p.validLoss)), false),
    lossRow("bestValidLoss", "Lowest validation loss", jobs.map((j) => lowestOf(j.metrics, (p) => p.validLoss)), true),
  ];
  if (jobs.some((j) => j.provider === "local")) {
    rows.push(row("adapterStep", "Results", "Adapter's step", jobs.map((j) => (j.provider !== "local" || j.adapterStep === null ? null : String(j.adapterStep)))));
  }
  rows.push(
    row("time", "Results", "Training time", jobs.map(trainingTime)),
    row("tokens", "Results", "Trained tokens", jobs.map((j) => (j.trainedTokens === null ? null : j.trainedTokens.toLocaleString("en-US")))),
    row("cost", "Results", "Cost", jobs.map(cost)),
  );
  if (jobs.some((j) => j.provider === "openai")) rows.push(row("fineTunedModel", "Results", "Fine-tuned model", jobs.map((j) => (j.provider === "openai" ? j.fineTunedModel : null))));
  // What the team wrote on each job (its page's note): with the results, since it says what they meant.
  if (jobs.some((j) => j.note)) rows.push(row("note", "Results", "Note", jobs.map((j) => j.note)));
  return rows;
}
