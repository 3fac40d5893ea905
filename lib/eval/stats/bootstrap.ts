import type { Interval } from "../types";
import { percentileOfSorted } from "./percentile";

// Paired percentile bootstrap of a mean difference. Metric scores are bounded and lumpy (exact match is 0/1, most
// deltas are 0), so a t-interval's normality assumption is poor; resampling the per-sample deltas makes no such
// assumption, and pairing (delta per prompt, both models on the same prompt) removes the prompt-difficulty
// variance that two independent means would carry. Seeded with the project's PRNG so a summary is reproducible.
// Typed arrays, no per-iteration objects, the PRNG inlined: a 10,000-sample run must summarise in well under a second.

export type BootstrapOptions = { iterations?: number; seed?: number; level?: number };

const DEFAULTS = { iterations: 2000, seed: 1, level: 0.95 };

/** Percentile bootstrap interval of the mean of deltas (deterministic for a seed). No deltas → [0, 0]. */
export function pairedBootstrap(deltas: ArrayLike<number>, opts: BootstrapOptions = {}): Interval {
  return pairedBootstrapMany([deltas], opts)[0]!;
}

/** The same for several delta columns of equal length, resampling the SAME sample indices for every column per
 * iteration (one set of random draws for all metrics of a run: ~6× cheaper, and the intervals stay coherent). */
export function pairedBootstrapMany(columns: ArrayLike<number>[], opts: BootstrapOptions = {}): Interval[] {
  const { iterations, seed, level } = { ...DEFAULTS, ...opts };
  const n = columns[0]?.length ?? 0;
  if (columns.some((c) => c.length !== n)) throw new Error("pairedBootstrapMany: every column must have the same length");
  if (n === 0) return columns.map(() => [0, 0]);
  const data = columns.map((c) => Float64Array.from(c));
  const constant = data.map((c) => c.every((x) => x === c[0]));
  const live = data.filter((_, k) => !constant[k]);
  const means = live.map(() => new Float64Array(iterations));
  if (live.length > 0) resampleMeans(live, n, iterations, seed, means);
  const tail = ((1 - level) / 2) * 100;
  let next = 0;
  return data.map((c, k) => {
    // Every resample of a constant column has that constant as its mean: the interval is exactly [d, d].
    if (constant[k]) return [c[0]!, c[0]!];
    const sorted = means[next++]!.sort();
    return [percentileOfSorted(sorted, tail), percentileOfSorted(sorted, 100 - tail)];
  });
}

/** Columns with few distinct values (0/1 metrics give deltas in {−1, 0, 1}) are resampled through a histogram: each
 * row gets the code of its tuple of values in those columns, a resample counts picks per code, and every such
 * column's sum is then a short dot product over the codes. One counter increment per draw replaces one gather per
 * column per draw — four of a run's six metrics are 0/1. */
const MAX_CODES = 1024;

function discreteCodes(columns: Float64Array[], n: number): { codes: Int32Array; values: number[][] } | null {
  if (columns.length === 0) return null;
  const codes = new Int32Array(n);
  const index = new Map<string, number>();
  const values: number[][] = [];
  for (let i = 0; i < n; i++) {
    const tuple = columns.map((c) => c[i]!);
    const key = tuple.join(",");
    let code = index.get(key);
    if (code === undefined) {
      if (values.length === MAX_CODES) return null;
      code = values.length;
      index.set(key, code);
      values.push(tuple);
    }
    codes[i] = code;
  }
  return { codes, values };
}

/** The hot loop: `iterations` resamples of n rows drawn with the same indices for every column. Discrete columns
 * go through the histogram above, the rest through a tight gather loop with a local accumulator. The PRNG is
 * mulberry32 (lib/random) inlined — a closure call per draw was half the time at 20 M draws — and yields the same
 * sequence as mulberry32(seed). */
function resampleMeans(columns: Float64Array[], n: number, iterations: number, seed: number, means: Float64Array[]): void {
  const isDiscrete = columns.map((c) => new Set(c).size <= 8);
  const discrete = discreteCodes(columns.filter((_, k) => isDiscrete[k]), n);
  const gathered = columns.map((_, k) => k).filter((k) => !discrete || !isDiscrete[k]);
  const counted = discrete ? columns.map((_, k) => k).filter((k) => isDiscrete[k]) : [];
  const codes = discrete?.codes ?? new Int32Array(n);
  const hist = new Int32Array(discrete?.values.length ?? 1);
  const picks = new Int32Array(n);
  let state = seed >>> 0;
  for (let it = 0; it < iterations; it++) {
    hist.fill(0);
    for (let i = 0; i < n; i++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const pick = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n) | 0;
      picks[i] = pick;
      hist[codes[pick]!]!++;
    }
    for (const k of gathered) {
      const col = columns[k]!;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += col[picks[i]!]!;
      means[k]![it] = sum / n;
    }
    counted.forEach((k, d) => {
      let sum = 0;
      for (let code = 0; code < hist.length; code++) sum += hist[code]! * discrete!.values[code]![d]!;
      means[k]![it] = sum / n;
    });
  }
}
