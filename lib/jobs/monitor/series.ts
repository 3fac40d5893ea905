import type { MetricPointView } from "../types";
import { downsampleExtremes } from "./downsample";
import { emaSmooth } from "./smoothing";

// The drawn series of a loss or accuracy chart. Each series keeps only the points where it has a value
// (validation is evaluated every few steps, full validation at epoch ends), is smoothed over all of those
// points, and only then thinned for drawing, so the smoothed line is the same whatever the zoom.

export type SeriesPoint = { step: number; raw: number; smooth: number };

export type ChartSeries = {
  train: SeriesPoint[];
  valid: SeriesPoint[];
  /** Whole-validation-set figures at epoch ends: drawn as markers, never smoothed. */
  fullValid: { step: number; raw: number }[];
  /** Newest step among all series (what the chart shows last). */
  lastStep: number | null;
};

export type Metric = "loss" | "accuracy" | "margin";

const PICK = {
  loss: { train: (p: MetricPointView) => p.trainLoss, valid: (p: MetricPointView) => p.validLoss, full: (p: MetricPointView) => p.fullValidLoss },
  accuracy: { train: (p: MetricPointView) => p.trainAccuracy, valid: (p: MetricPointView) => p.validAccuracy, full: (p: MetricPointView) => p.fullValidAccuracy },
  // DPO reward margins: the trainer has no whole-set pass for them.
  margin: { train: (p: MetricPointView) => p.rewardMargin, valid: (p: MetricPointView) => p.validRewardMargin, full: () => null },
} as const;

function build(points: readonly MetricPointView[], get: (p: MetricPointView) => number | null, weight: number, logScale: boolean, maxPoints: number): SeriesPoint[] {
  const kept: { step: number; raw: number }[] = [];
  for (const p of points) {
    const v = get(p);
    if (v !== null && Number.isFinite(v) && (!logScale || v > 0)) kept.push({ step: p.step, raw: v });
  }
  const smooth = emaSmooth(kept.map((k) => k.raw), weight);
  const full = kept.map((k, i) => ({ step: k.step, raw: k.raw, smooth: smooth[i]! }));
  return downsampleExtremes(full, maxPoints, [(s) => s.raw, (s) => s.smooth]);
}

export function chartSeries(points: readonly MetricPointView[], opts: { metric: Metric; smoothing: number; logScale: boolean; maxPoints?: number }): ChartSeries {
  const pick = PICK[opts.metric];
  const max = opts.maxPoints ?? 800;
  const train = build(points, pick.train, opts.smoothing, opts.logScale, max);
  const valid = build(points, pick.valid, opts.smoothing, opts.logScale, max);
  const fullValid: ChartSeries["fullValid"] = [];
  for (const p of points) {
    const v = pick.full(p);
    if (v !== null && Number.isFinite(v) && (!opts.logScale || v > 0)) fullValid.push({ step: p.step, raw: v });
  }
  const lastStep = Math.max(train.at(-1)?.step ?? -Infinity, valid.at(-1)?.step ?? -Infinity, fullValid.at(-1)?.step ?? -Infinity);
  return { train, valid, fullValid, lastStep: Number.isFinite(lastStep) ? lastStep : null };
}
