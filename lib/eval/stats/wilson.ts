import type { Interval } from "../types";

// Wilson score interval for a proportion. Unlike the textbook normal ("Wald") interval it stays inside [0, 1] and
// keeps its coverage at small n and near 0 or 1 — exactly where an eval on 30 samples with 28 wins lives.
// `successes` may be fractional: the win rate counts a tie as half a win.

export const Z_95 = 1.959964;

/** 95 % (by default) Wilson interval of successes/n; n = 0 says nothing: [0, 1]. */
export function wilson(successes: number, n: number, z = Z_95): Interval {
  if (n <= 0) return [0, 1];
  const p = Math.min(1, Math.max(0, successes / n));
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return [Math.max(0, center - half), Math.min(1, center + half)];
}
