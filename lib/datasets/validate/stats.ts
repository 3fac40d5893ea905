// Distribution summaries like the cookbook's print_distribution (min/max, mean/median, p10/p90; the notebook
// labels them p5/p95 but computes the 10th and 90th percentiles).

export type Distribution = { min: number; max: number; mean: number; median: number; p10: number; p90: number };

/** numpy's default quantile (linear interpolation between closest ranks). */
function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
    median: quantile(sorted, 0.5),
    p10: quantile(sorted, 0.1),
    p90: quantile(sorted, 0.9),
  };
}
