import type { Prisma, PrismaClient } from "@prisma/client";
import type { Redis } from "ioredis";
import { mulberry32 } from "../../random/mulberry32";
import { JOB_SUMMARY_INCLUDE, latestProgress, toMetricPointView, toJobSummary } from "../view";
import { publishJobUpdate } from "./channel";

// What the tests, the e2e spec and the bench use to play the worker's part on the live path: write rows to
// Postgres first, then publish exactly what was written. Loss curves come from a seeded generator so a
// seed always draws the same curve.

export type PointFields = Omit<Prisma.MetricPointCreateManyInput, "jobId">;

/** Writes metric points (one statement), then publishes them as one "metrics" message. */
export async function writeAndPublishPoints(db: PrismaClient, redis: Redis, prefix: string, jobId: string, points: PointFields[]): Promise<void> {
  const rows = await db.metricPoint.createManyAndReturn({ data: points.map((p) => ({ ...p, jobId })) });
  await publishJobUpdate(redis, prefix, jobId, { type: "metrics", points: rows.map(toMetricPointView) });
}

/** Updates the job row, then publishes its new summary. */
export async function updateAndPublishJob(db: PrismaClient, redis: Redis, prefix: string, jobId: string, data: Prisma.FineTuneJobUpdateInput): Promise<void> {
  const row = await db.fineTuneJob.update({ where: { id: jobId }, data, include: JOB_SUMMARY_INCLUDE });
  const progress = await latestProgress(db, [jobId]);
  await publishJobUpdate(redis, prefix, jobId, { type: "job", job: toJobSummary(row, progress.get(jobId) ?? null) });
}

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
