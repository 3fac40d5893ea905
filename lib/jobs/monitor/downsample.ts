// Drawing 10,000 points as SVG paths is slow and a chart ~1,000 px wide cannot show them anyway. For drawing
// only, keep the first and last point and, per bucket, the points holding each series' minimum and maximum,
// so spikes and the best value stay visible. The data itself (and every statistic) uses all points.

export function downsampleExtremes<T extends { step: number }>(
  points: readonly T[],
  maxPoints: number,
  series: readonly ((p: T) => number | null)[],
): T[] {
  if (points.length <= maxPoints || maxPoints < 4) return points.slice();
  const perBucket = Math.max(2, series.length * 2);
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / perBucket));
  const size = (points.length - 2) / buckets;
  const keep = new Set<number>([0, points.length - 1]);
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor(b * size);
    const end = Math.min(points.length - 1, 1 + Math.floor((b + 1) * size));
    if (start >= end) continue;
    for (const get of series) {
      let minI = -1;
      let maxI = -1;
      for (let i = start; i < end; i++) {
        const v = get(points[i]!);
        if (v === null || !Number.isFinite(v)) continue;
        if (minI < 0 || v < get(points[minI]!)!) minI = i;
        if (maxI < 0 || v > get(points[maxI]!)!) maxI = i;
      }
      if (minI >= 0) keep.add(minI);
      if (maxI >= 0) keep.add(maxI);
    }
    // Buckets where no series has a value still get one point so the x axis keeps its spacing.
    keep.add(start);
  }
  return [...keep].sort((a, b) => a - b).map((i) => points[i]!);
}
