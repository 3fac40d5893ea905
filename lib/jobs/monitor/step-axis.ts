// The step axis of a job's loss and accuracy charts, chosen here rather than by recharts: the epoch boundaries a chart
// draws (epochs.ts) are those inside the axis, so thinning them needs the axis's real end. Estimating it (the last
// step × 1.25) fell short of recharts' own rounding: at step ~400 the axis ran to 600, ten boundaries were labelled
// where eight is the most, and a browser test saw it.

export type StepAxis = { end: number; ticks: number[] };

const NICE = [1, 2, 2.5, 5];

/** 0 to the smallest round end at or past `lastStep`, in at most four equal whole-step intervals (of 1, 2, 2.5 or 5
 *  times a power of ten); of two steps with the same end, the smaller one, for more ticks. */
export function stepAxis(lastStep: number): StepAxis {
  const last = Math.max(1, Math.ceil(lastStep));
  let best: { step: number; end: number } | null = null;
  for (let scale = 1; scale <= last; scale *= 10) {
    for (const n of NICE) {
      const step = n * scale;
      const intervals = Math.ceil(last / step);
      if (!Number.isInteger(step) || intervals > 4) continue;
      const end = step * intervals;
      if (!best || end < best.end) best = { step, end };
    }
  }
  // No step up to `last` fits in four intervals only when last is 1 (the loop above covers every other case).
  const { step, end } = best ?? { step: 1, end: 1 };
  return { end, ticks: Array.from({ length: end / step + 1 }, (_, i) => i * step) };
}
