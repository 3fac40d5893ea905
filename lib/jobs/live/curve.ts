import type { Prisma } from "@prisma/client";
import { mulberry32 } from "../../random/mulberry32";

// Seeded training curves for tests, the e2e spec, screenshots and the bench: the same seed always draws
// the same curve, so a test about "a curve that overfits" (or one that does not) is reproducible.

export type PointFields = Omit<Prisma.MetricPointCreateManyInput, "jobId">;

export type CurveOptions = {
  totalSteps: number;
  epochs?: number;
  seed?: number;
  /** A validation evaluation every N steps (default 10). */
  validEvery?: number;
  /** Validation loss turns upward from this fraction of training on (default: never). */
  overfitFrom?: number;
};

/** A plausible training curve point: loss decays with noise, accuracy rises, full validation at epoch ends. */
export function curvePoint(step: number, o: CurveOptions): PointFields {
  const rand = mulberry32((o.seed ?? 1) * 1_000_003 + step);
  const epochs = o.epochs ?? 3;
  const perEpoch = o.totalSteps / epochs;
  const t = step / o.totalSteps;
  const train = 0.35 + 1.9 * Math.exp(-6 * t) + (rand() - 0.5) * 0.12;
  const turn = o.overfitFrom ?? Infinity;
  const valid = 0.45 + 1.8 * Math.exp(-6 * Math.min(t, turn)) + (t > turn ? (t - turn) * 2.5 : 0) + (rand() - 0.5) * 0.04;
  const hasValid = step % (o.validEvery ?? 10) === 0;
  const epochEnd = Math.abs(step / perEpoch - Math.round(step / perEpoch)) < 1e-9 && step > 0;
  return {
    step,
    trainLoss: train,
    trainAccuracy: Math.min(0.99, 0.45 + 0.5 * (1 - Math.exp(-5 * t)) + (rand() - 0.5) * 0.04),
    validLoss: hasValid ? valid : null,
    validAccuracy: hasValid ? Math.min(0.99, 0.4 + 0.45 * (1 - Math.exp(-5 * Math.min(t, turn)))) : null,
    fullValidLoss: epochEnd ? valid + 0.02 : null,
    fullValidAccuracy: epochEnd ? Math.min(0.99, 0.4 + 0.45 * (1 - Math.exp(-5 * Math.min(t, turn)))) : null,
    totalSteps: o.totalSteps,
    epoch: step / perEpoch,
  };
}

export function curvePoints(from: number, to: number, o: CurveOptions): PointFields[] {
  const out: PointFields[] = [];
  for (let s = from; s <= to; s++) out.push(curvePoint(s, o));
  return out;
}

