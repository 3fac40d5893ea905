import type { MetricPointView } from "../types";
import { emaSmooth } from "./smoothing";

// Overfitting: the model keeps getting better on its training data while getting worse on data it does not
// train on. We call it when the (smoothed) validation loss rose at N consecutive evaluations, by more than
// noise (3 % by default), while the (smoothed) training loss fell over the same steps, and the validation loss has not come back below where
// the rise began. Smoothing keeps one noisy evaluation from raising (or breaking) the alarm.

export type OverfittingOptions = {
  /** Consecutive rising evaluations needed (default 3). */
  rises?: number;
  /** EMA weight applied to both series before comparing (default 0.6). */
  smoothing?: number;
  /**
   * The rise must exceed this fraction of the loss it started from (default 0.03): on a long plateau the
   * smoothed noise alone rises three times in a row now and then, by a percent or so.
   */
  minRelativeRise?: number;
  /** …and this multiple of the median change between consecutive raw evaluations (default 2). */
  jitterFactor?: number;
};

export type OverfittingAlert = {
  /** Step of the best (lowest smoothed) validation loss the rise started from. */
  startStep: number;
  startEpoch: number | null;
  /** Step of the evaluation that completed N rises. */
  detectedStep: number;
  /** Smoothed validation loss at the start and at the newest evaluation. */
  validLossAtStart: number;
  validLossNow: number;
  trainLossAtStart: number;
  trainLossAtDetection: number;
};

type Eval = { step: number; epoch: number | null; valid: number; train: number; rawValid: number };

/** Median absolute change between consecutive raw evaluations: how much validation loss jitters. */
function jitter(evals: readonly Eval[]): number {
  const diffs = evals.slice(1).map((e, i) => Math.abs(e.rawValid - evals[i]!.rawValid)).sort((a, b) => a - b);
  return diffs.length ? diffs[Math.floor(diffs.length / 2)]! : 0;
}

/** Validation evaluations (points with a valid or full-valid loss) with both series smoothed. */
function evaluations(points: readonly MetricPointView[], smoothing: number): Eval[] {
  const trainSmoothed = emaSmooth(points.map((p) => p.trainLoss), smoothing);
  const withValid: { step: number; epoch: number | null; valid: number; train: number | null }[] = [];
  let lastTrain: number | null = null;
  points.forEach((p, i) => {
    if (trainSmoothed[i] !== null && Number.isFinite(trainSmoothed[i])) lastTrain = trainSmoothed[i]!;
    const v = p.validLoss ?? p.fullValidLoss;
    if (v !== null && Number.isFinite(v)) withValid.push({ step: p.step, epoch: p.epoch, valid: v, train: lastTrain });
  });
  const validSmoothed = emaSmooth(withValid.map((e) => e.valid), smoothing);
  return withValid
    .map((e, i) => ({ ...e, rawValid: e.valid, valid: validSmoothed[i]! }))
    .filter((e): e is Eval => e.train !== null);
}

export function detectOverfitting(points: readonly MetricPointView[], opts: OverfittingOptions = {}): OverfittingAlert | null {
  const rises = Math.max(1, opts.rises ?? 3);
  const evals = evaluations(points, opts.smoothing ?? 0.6);
  // A rise counts when it beats both a share of the loss and the evaluations' own jitter.
  const noise = jitter(evals) * (opts.jitterFactor ?? 2);
  const minRise = opts.minRelativeRise ?? 0.03;
  let runStart = 0;
  for (let i = 1; i < evals.length; i++) {
    if (!(evals[i]!.valid > evals[i - 1]!.valid)) {
      runStart = i;
      continue;
    }
    if (i - runStart < rises) continue;
    const start = evals[runStart]!;
    const end = evals[i]!;
    if (!(end.train < start.train)) continue;
    if (end.valid - start.valid < Math.max(minRise * Math.abs(start.valid), noise)) continue;
    // Only report a rise the job has not recovered from: a later evaluation back below the start means the
    // bump was transient.
    const recovered = evals.slice(i + 1).some((e) => e.valid < start.valid);
    if (recovered) continue;
    const newest = evals.at(-1)!;
    return {
      startStep: start.step,
      startEpoch: start.epoch,
      detectedStep: end.step,
      validLossAtStart: start.valid,
      validLossNow: newest.valid,
      trainLossAtStart: start.train,
      trainLossAtDetection: end.train,
    };
  }
  return null;
}

/** A whole number of epochs that ends before the rise (at least 1), to suggest for the next run. */
export function suggestedEpochs(alert: OverfittingAlert): number | null {
  if (alert.startEpoch === null) return null;
  return Math.max(1, Math.round(alert.startEpoch));
}
