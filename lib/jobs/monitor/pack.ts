import type { MetricPointView } from "../types";

// Metric points travel from the server page to the browser inside the HTML (React's RSC payload). As an
// array of objects, 10,000 points are ~3.4 MB (every key and ISO date repeated); as columns — one array per
// field, times as millisecond offsets, all-null fields left out — about a third of that, which is most of
// what the first draw of a long job waits for. Values are not rounded: unpack(pack(x)) equals x.

const NUMERIC = [
  "trainLoss",
  "trainAccuracy",
  "validLoss",
  "validAccuracy",
  "fullValidLoss",
  "fullValidAccuracy",
  "learningRate",
  "tokensPerSecond",
  "gradNorm",
  "memoryBytes",
  "totalSteps",
  "epoch",
] as const;

type NumericKey = (typeof NUMERIC)[number];

export type PackedPoints = {
  /** Epoch milliseconds of the first point's time; `at` holds offsets from it. */
  t0: number;
  step: number[];
  at: number[];
  columns: Partial<Record<NumericKey, (number | null)[]>>;
};

export function packPoints(points: readonly MetricPointView[]): PackedPoints {
  const t0 = points.length ? Date.parse(points[0]!.at) : 0;
  const columns: PackedPoints["columns"] = {};
  for (const key of NUMERIC) {
    if (points.some((p) => p[key] !== null)) columns[key] = points.map((p) => p[key]);
  }
  return { t0, step: points.map((p) => p.step), at: points.map((p) => Date.parse(p.at) - t0), columns };
}

export function unpackPoints(packed: PackedPoints): MetricPointView[] {
  const out: MetricPointView[] = new Array(packed.step.length);
  for (let i = 0; i < packed.step.length; i++) {
    const p = { step: packed.step[i]!, at: new Date(packed.t0 + packed.at[i]!).toISOString() } as MetricPointView;
    for (const key of NUMERIC) p[key] = packed.columns[key]?.[i] ?? null;
    out[i] = p;
  }
  return out;
}
