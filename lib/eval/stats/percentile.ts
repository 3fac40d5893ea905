// Percentiles by linear interpolation between closest ranks (numpy's default, "type 7"), so p50 of [1, 2] is 1.5
// and the figures match what people get from a notebook.

/** The p-th percentile (p in 0..100) of values; null for no values. Does not reorder its input. */
export function percentile(values: ArrayLike<number>, p: number): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return percentileOfSorted(sorted, p);
}

/** Same, for values already sorted ascending (the bootstrap sorts once and reads two percentiles). */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}
