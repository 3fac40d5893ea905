import type { MetricPointView } from "../types";

// Epoch boundaries for the charts' markers. The worker stores a fractional `epoch` (step / steps per epoch)
// on each point, so steps per epoch = step / epoch of any point; the markers go at each whole multiple up
// to the total steps (or the newest step while the total is unknown). Without `epoch`, n_epochs from the
// hyperparameters and totalSteps give the same figure.

export function stepsPerEpoch(points: readonly MetricPointView[], nEpochs: number | null): number | null {
  for (let i = points.length - 1; i >= 0; i--) {
    const p = points[i]!;
    if (p.epoch !== null && p.epoch > 0 && p.step > 0) return p.step / p.epoch;
  }
  const total = points.at(-1)?.totalSteps ?? null;
  if (total && nEpochs && nEpochs > 0) return total / nEpochs;
  return null;
}

export function epochBoundaries(points: readonly MetricPointView[], nEpochs: number | null): number[] {
  const per = stepsPerEpoch(points, nEpochs);
  const last = points.at(-1);
  if (!per || !last) return [];
  const end = last.totalSteps ?? last.step;
  const out: number[] = [];
  // The end of the last epoch is the end of training: no marker there.
  for (let k = 1; k * per < end - 1e-9 && out.length < 200; k++) out.push(Math.round(k * per));
  return out;
}

/** n_epochs as resolved by the provider (a number), or null while it is "auto". */
export function resolvedEpochs(hyperparameters: Record<string, unknown>): number | null {
  const n = hyperparameters["n_epochs"];
  return typeof n === "number" && n > 0 ? n : null;
}

/** Share of the axis two labels facing each other need between their lines: each "epoch 12" is about 50 px, up
 * to an eighth of the chart's width on a narrow screen. */
const MIN_FACING_GAP = 0.3;

/** `labelLeft`: the label goes left of its line, which is near the axis's end (to its right it was cut off: "ep"). */
export type EpochMark = { step: number; label: string | null; labelLeft?: true };

/**
 * The boundaries a chart draws, and which carry an "epoch n" label: every boundary up to `maxLines` of them inside the
 * step axis (up to `axisEnd`, step-axis.ts), otherwise every 2nd, 5th, 10th... epoch; labels on at most `maxLabels`
 * of the lines. A 100-epoch run drew a grey wash of lines, each labelled over the next. Only marks inside the axis are
 * returned: the chart draws each one it gets.
 */
export function epochMarks(boundaries: readonly number[], axisEnd: number, maxLines = 24, maxLabels = 8): EpochMark[] {
  const drawn = boundaries.filter((s) => s <= axisEnd).length;
  const every = (n: number, most: number) => [1, 2, 5, 10, 20, 50, 100, 200, 500].find((k) => Math.ceil(n / k) <= most) ?? 1000;
  const lineEvery = every(drawn, maxLines);
  const labelEvery = lineEvery * every(Math.ceil(drawn / lineEvery), maxLabels);
  const marks: EpochMark[] = [];
  let previous: EpochMark | null = null; // the last mark that carries a label
  boundaries.forEach((step, i) => {
    const epoch = i + 1;
    if (step > axisEnd || epoch % lineEvery !== 0) return;
    let label = epoch % labelEvery === 0 ? `epoch ${epoch}` : null;
    const left = label !== null && step > axisEnd * 0.85;
    // A label turned left would be written over the previous one, drawn to the right of its own line, when the
    // two lines are close (a run stopped early: its 80-step axis ends at 25, "epoch 10epoch 12"). The line stays.
    if (left && previous && !previous.labelLeft && (step - previous.step) / axisEnd < MIN_FACING_GAP) label = null;
    const mark: EpochMark = label && left ? { step, label, labelLeft: true } : { step, label };
    if (label) previous = mark;
    marks.push(mark);
  });
  return marks;
}
