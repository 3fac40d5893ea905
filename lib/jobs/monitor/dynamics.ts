import type { MetricPointView } from "../types";
import { downsampleExtremes } from "./downsample";

// The per-step training dynamics a local run reports beside its loss (learning rate, gradient norm,
// throughput, memory): one small series each, thinned for drawing like the loss curves. Hosted providers
// report none of these, so a series exists only when some point has the field.

export const DYNAMICS = ["learningRate", "gradNorm", "tokensPerSecond", "memoryBytes"] as const;
export type DynamicsField = (typeof DYNAMICS)[number];

export type DynamicsSeries = { field: DynamicsField; points: { step: number; value: number }[]; latest: number };

export function dynamicsSeries(points: readonly MetricPointView[], maxPoints = 400): DynamicsSeries[] {
  const out: DynamicsSeries[] = [];
  for (const field of DYNAMICS) {
    const kept: { step: number; value: number }[] = [];
    for (const p of points) {
      const v = p[field];
      if (v !== null && Number.isFinite(v)) kept.push({ step: p.step, value: v });
    }
    if (kept.length === 0) continue;
    out.push({ field, points: downsampleExtremes(kept, maxPoints, [(k) => k.value]), latest: kept.at(-1)!.value });
  }
  return out;
}

/** Whether the job's points carry token accuracy (OpenAI reports it; the native trainer does not). */
export function hasAccuracy(points: readonly MetricPointView[]): boolean {
  return points.some((p) => p.trainAccuracy !== null || p.validAccuracy !== null || p.fullValidAccuracy !== null);
}
