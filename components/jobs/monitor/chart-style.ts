// Axis and tooltip settings the job and compare charts share.
import { flatValueAxis } from "@/lib/jobs/monitor/value-axis";

export const axisTick = { fontSize: 11, fill: "var(--text-muted)" };

export const tooltipStyle = { background: "var(--surface)", border: "1px solid var(--border)", borderRadius: 6, fontSize: 12 };

/** Loss and accuracy figures at a readable precision: 2.31, 0.47, 0.0031; zero as "0" (not "0.0" under "2.00"). */
export const formatFigure = (v: number) =>
  v === 0 ? "0" : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2);

// Accuracy lives in [0, 1]: from the tenth below the lowest value up to exactly 1 (an "auto" top would be
// rounded up to 1.05 or 1.2).
// A run at 100 % throughout still gets a tenth of range below it: [1, 1] would give recharts a flat axis.
export const ACCURACY_DOMAIN: [(min: number) => number, number] = [(min) => Math.max(0, Math.min(0.9, Math.floor(min * 10) / 10)), 1];

type AxisRange = { domain: [number | "auto", number | "auto"]; ticks?: number[] };

/**
 * The value axis of a chart with a free range: recharts' "auto" (or `auto` as given, say [0, "auto"]), unless every
 * value is the same, where a fixed range with distinct ticks keeps recharts from drawing repeated, stale labels
 * (lib/jobs/monitor/value-axis.ts).
 */
export function valueAxisRange(values: Iterable<number>, opts: { logScale?: boolean; auto?: AxisRange["domain"] } = {}): AxisRange {
  const flat = flatValueAxis(values, { logScale: opts.logScale });
  return flat ? { domain: flat.domain, ticks: flat.ticks } : { domain: opts.auto ?? ["auto", "auto"] };
}

/** Every drawn value of some chart series (raw and smoothed lines, markers). */
export function* seriesValues(series: { train: { raw: number; smooth: number }[]; valid: { raw: number; smooth: number }[]; fullValid: { raw: number }[] }): Generator<number> {
  for (const p of series.train) yield* [p.raw, p.smooth];
  for (const p of series.valid) yield* [p.raw, p.smooth];
  for (const p of series.fullValid) yield p.raw;
}
