// Histogram buckets for the statistics charts. Edges are "nice" integers (1, 2, 5 × 10^k wide) so the axis
// reads 0–50, 50–100… rather than 17–63; Postgres counts rows per bucket with width_bucket(x, edges).

export type Bucket = { from: number; to: number; count: number };
export type Histogram = { buckets: Bucket[] };

export const DEFAULT_BUCKETS = 20;

function niceStep(raw: number): number {
  if (raw <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

/**
 * Integer bucket edges covering [min, max]: e0 ≤ min, the last edge > max, at most `maxBuckets` buckets of one
 * nice width. Bucket i holds values in [edges[i], edges[i+1]).
 */
export function histogramEdges(min: number, max: number, maxBuckets = DEFAULT_BUCKETS): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return [];
  const step = niceStep((max - min + 1) / maxBuckets);
  const start = Math.floor(min / step) * step;
  const edges = [start];
  while (edges[edges.length - 1]! <= max) edges.push(edges[edges.length - 1]! + step);
  // Flooring the start can add one bucket; widen the step once if that went over.
  if (edges.length - 1 > maxBuckets) return histogramEdges(start, max, Math.max(1, maxBuckets - 1));
  return edges;
}

/**
 * Buckets from width_bucket() results: `counts` maps bucket number (1-based; 0 below the first edge and
 * edges.length above the last, neither of which happens when edges come from the data's min/max) to rows.
 */
export function bucketsFromCounts(edges: number[], counts: Map<number, number>): Histogram {
  const buckets: Bucket[] = [];
  for (let i = 0; i + 1 < edges.length; i++) buckets.push({ from: edges[i]!, to: edges[i + 1]!, count: counts.get(i + 1) ?? 0 });
  return { buckets };
}
