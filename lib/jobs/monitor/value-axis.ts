// The value axis of a chart whose plotted values are all (nearly) the same: a DPO run's first steps (ln 2 and a
// zero margin), a constant learning rate, a single point. recharts 3 then draws several ticks of one value at one
// place, and their React keys ("tick-<value>-<coordinate>") collide; as later points arrive React keeps the
// duplicates, so stale labels stay on screen on top of the new ones. A flat series gets an explicit range around
// its value with distinct, round ticks instead; every other series keeps recharts' own "auto" range.

export type FlatAxis = { domain: [number, number]; ticks: number[] };

/** Spans below this fraction of the values' magnitude are drawn as flat: their labels would all read alike. */
const FLAT_RELATIVE_SPAN = 1e-6;

/** A fixed range and ticks when every finite value lies within a rounding of one value; null otherwise. */
export function flatValueAxis(values: Iterable<number>, opts: { logScale?: boolean } = {}): FlatAxis | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo > hi) return null; // nothing to draw
  const magnitude = Math.max(Math.abs(lo), Math.abs(hi));
  if (hi - lo > FLAT_RELATIVE_SPAN * magnitude) return null;
  const v = (lo + hi) / 2;
  if (opts.logScale && v > 0) {
    // The decade that holds the value.
    const low = 10 ** Math.floor(Math.log10(v));
    return { domain: [low, low * 10], ticks: [low, low * 10] };
  }
  if (v === 0) return { domain: [-1, 1], ticks: [-1, 0, 1] };
  // Two steps of the value's leading digit around it: 0.6931 -> 0.6, 0.7, 0.8; 5.6e6 -> 5e6, 6e6, 7e6.
  const step = 10 ** Math.floor(Math.log10(Math.abs(v)));
  const low = Math.floor(v / step) * step;
  const ticks = [low, low + step, low + 2 * step].map((t) => Number(t.toPrecision(12)));
  return { domain: [ticks[0]!, ticks[2]!], ticks };
}
