import type { MetricPointView } from "../types";

// Progress figures for the job header: percentage, elapsed time and ETA. The provider's own estimate of the
// finish time wins when it gives one; otherwise the ETA comes from the step rate over the newest points.

export type ProgressFigures = {
  step: number | null;
  totalSteps: number | null;
  percent: number | null;
  elapsedMs: number | null;
  /** Milliseconds until the expected finish (never negative), null when it cannot be told. */
  etaMs: number | null;
  etaSource: "provider" | "step-rate" | null;
  stepsPerSecond: number | null;
};

/** Steps per second over the newest `window` points (their recorded times), null with fewer than two. */
export function stepRate(points: readonly MetricPointView[], window = 50): number | null {
  if (points.length < 2) return null;
  const last = points.at(-1)!;
  const first = points[Math.max(0, points.length - window)]!;
  const seconds = (Date.parse(last.at) - Date.parse(first.at)) / 1000;
  const steps = last.step - first.step;
  if (seconds <= 0 || steps <= 0) return null;
  return steps / seconds;
}

export function progressFigures(
  input: { startedAt: string | null; finishedAt: string | null; estimatedFinishAt: string | null; terminal: boolean; points: readonly MetricPointView[] },
  now: number,
): ProgressFigures {
  const last = input.points.at(-1) ?? null;
  const step = last?.step ?? null;
  const totalSteps = last?.totalSteps ?? null;
  const percent = step !== null && totalSteps ? Math.min(100, (step / totalSteps) * 100) : null;
  const start = input.startedAt ? Date.parse(input.startedAt) : input.points[0] ? Date.parse(input.points[0].at) : null;
  const end = input.finishedAt ? Date.parse(input.finishedAt) : now;
  const elapsedMs = start !== null ? Math.max(0, end - start) : null;
  const rate = stepRate(input.points);
  if (input.terminal) return { step, totalSteps, percent, elapsedMs, etaMs: null, etaSource: null, stepsPerSecond: rate };
  if (input.estimatedFinishAt) {
    return { step, totalSteps, percent, elapsedMs, etaMs: Math.max(0, Date.parse(input.estimatedFinishAt) - now), etaSource: "provider", stepsPerSecond: rate };
  }
  if (rate && step !== null && totalSteps) {
    // Count from the newest point's time, not from now: a quiet stream must not make the ETA shrink.
    const finishAt = Date.parse(last!.at) + ((totalSteps - step) / rate) * 1000;
    return { step, totalSteps, percent, elapsedMs, etaMs: Math.max(0, finishAt - now), etaSource: "step-rate", stepsPerSecond: rate };
  }
  return { step, totalSteps, percent, elapsedMs, etaMs: null, etaSource: null, stepsPerSecond: rate };
}

/** "1 h 05 min", "4 min 12 s", "37 s". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
