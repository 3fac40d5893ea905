import type { MetricPointView } from "../types";

// Metric points travel from the server page to the browser inside the HTML (React's RSC payload), and the
// first draw of a long job waits mostly for those bytes. As an array of objects, 10,000 points are ~3.4 MB
// (every key and ISO date repeated). Packed, they are columns:
// - steps and times as differences from the previous one (mostly "1," and a few digits of milliseconds);
// - a field most rows have: one array, nulls kept; a field few rows have (validation every N steps, epoch-end
//   full validation): the row offsets and values only; a field equal on every row (total steps): one value;
//   all-null fields left out;
// - fractional values with 7 significant digits: float32 precision, which is what the native trainer computes
//   and more than any provider reports, so nothing a chart or statistic shows changes. Integers (steps, bytes)
//   are exact.

const NUMERIC = [
  "trainLoss",
  "trainAccuracy",
  "validLoss",
  "validAccuracy",
  "fullValidLoss",
  "fullValidAccuracy",
  "rewardMargin",
  "validRewardMargin",
  "learningRate",
  "tokensPerSecond",
  "gradNorm",
  "memoryBytes",
  "totalSteps",
  "epoch",
] as const;

export type NumericKey = (typeof NUMERIC)[number];

/** Dense (one entry per row), sparse (`i`: row offsets as differences, `v`: values, or one value for all), or `all` rows equal. */
export type PackedColumn = (number | null)[] | { i: number[]; v: number[] | number } | { all: number };

export type PackedPoints = {
  /** Epoch milliseconds of the first point's time; `at` holds differences from the previous time. */
  t0: number;
  /** Differences from the previous step (the first is the step itself). */
  step: number[];
  at: number[];
  columns: Partial<Record<NumericKey, PackedColumn>>;
};

/** Rows as aligned columns: what Postgres hands back and what packColumns takes. Times are epoch ms. */
export type MetricColumns = { step: number[]; at: number[]; columns: Partial<Record<NumericKey, (number | null)[]>> };

export const TRANSPORT_DIGITS = 7;

function transportValue(v: number): number {
  return Number.isInteger(v) || !Number.isFinite(v) ? v : Number(v.toPrecision(TRANSPORT_DIGITS));
}

function differences(xs: readonly number[]): number[] {
  const out = new Array<number>(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = i === 0 ? xs[0]! : xs[i]! - xs[i - 1]!;
  return out;
}

function sums(ds: readonly number[]): number[] {
  const out = new Array<number>(ds.length);
  let acc = 0;
  for (let i = 0; i < ds.length; i++) out[i] = acc += ds[i]!;
  return out;
}

function packColumn(values: readonly (number | null)[]): PackedColumn | undefined {
  const rows: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] !== null) rows.push(i);
  if (rows.length === 0) return undefined;
  const kept = rows.map((i) => transportValue(values[i]!));
  const same = kept.every((v) => v === kept[0]);
  if (same && rows.length === values.length) return { all: kept[0]! };
  if (rows.length * 2 >= values.length) return values.map((v) => (v === null ? null : transportValue(v)));
  return { i: differences(rows), v: same ? kept[0]! : kept };
}

function unpackColumn(column: PackedColumn, n: number): (number | null)[] {
  if (Array.isArray(column)) return column;
  if ("all" in column) return new Array<number>(n).fill(column.all);
  const out = new Array<number | null>(n).fill(null);
  const rows = sums(column.i);
  for (let k = 0; k < rows.length; k++) out[rows[k]!] = typeof column.v === "number" ? column.v : column.v[k]!;
  return out;
}

export function packColumns(input: MetricColumns): PackedPoints {
  const t0 = input.at[0] ?? 0;
  const columns: PackedPoints["columns"] = {};
  for (const key of NUMERIC) {
    const packed = input.columns[key] && packColumn(input.columns[key]!);
    if (packed) columns[key] = packed;
  }
  return { t0, step: differences(input.step), at: differences(input.at.map((t) => t - t0)), columns };
}

export function packPoints(points: readonly MetricPointView[]): PackedPoints {
  const columns: MetricColumns["columns"] = {};
  for (const key of NUMERIC) columns[key] = points.map((p) => p[key]);
  return packColumns({ step: points.map((p) => p.step), at: points.map((p) => Date.parse(p.at)), columns });
}

export function unpackPoints(packed: PackedPoints): MetricPointView[] {
  const n = packed.step.length;
  const steps = sums(packed.step);
  const times = sums(packed.at);
  const columns = NUMERIC.map((key) => [key, packed.columns[key] ? unpackColumn(packed.columns[key]!, n) : null] as const);
  const out: MetricPointView[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const p = { step: steps[i]!, at: new Date(packed.t0 + times[i]!).toISOString() } as MetricPointView;
    for (const [key, values] of columns) p[key] = values ? values[i]! : null;
    out[i] = p;
  }
  return out;
}

/** A point as the browser receives it: what packPoints keeps of a stored point (tests compare against this). */
export function asTransported(p: MetricPointView): MetricPointView {
  const out = { ...p };
  for (const key of NUMERIC) if (out[key] !== null) out[key] = transportValue(out[key]!);
  return out;
}
