import type { Prisma, PrismaClient } from "@prisma/client";
import type { Redis } from "ioredis";
import { localConfigSchema } from "../local/config";
import { storedLocalConfig } from "../local/stored";
import { preparedLine } from "../local/run/preparing";
import { JOB_SUMMARY_INCLUDE, latestProgress, toMetricPointView, toJobSummary } from "../view";
import { publishJobUpdate } from "./channel";
import { curvePoint, curvePoints, type CurveOptions, type PointFields } from "./curve";

export { curvePoint, curvePoints, type CurveOptions, type PointFields };

// What the tests, the e2e spec and the bench use to play the worker's part on the live path: write rows to
// Postgres first, then publish exactly what was written. Loss curves come from a seeded generator so a
// seed always draws the same curve.


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

export type DemoJobOptions = {
  status?: Prisma.FineTuneJobCreateInput["status"];
  provider?: "openai" | "local";
  baseModel?: string;
  suffix?: string;
  datasetVersionId?: string;
  /** Metric points 1..steps are written (no publish: they are history). */
  steps?: number;
  curve?: Partial<CurveOptions>;
  extra?: Partial<Prisma.FineTuneJobUncheckedCreateInput>;
};

/**
 * A job as the worker leaves it mid-run or at the end: row, metric history, a few events and checkpoints. Its fields
 * are the ones a real launch and run write: a hosted job has OpenAI's ids, a price-based estimate and, once it
 * succeeded, its ft: model, billed tokens and actual cost; a local job has none of those (no price, no remote ids),
 * and its own events.
 */
export async function createDemoJob(db: PrismaClient, o: DemoJobOptions = {}): Promise<string> {
  const curve: CurveOptions = { totalSteps: 300, epochs: 3, ...o.curve };
  const steps = o.steps ?? 0;
  const startedAt = new Date(Date.now() - Math.max(60, steps) * 1000);
  const status = o.status ?? "running";
  const terminal = status === "succeeded" || status === "failed" || status === "cancelled";
  const local = o.provider === "local";
  const baseModel = o.baseModel ?? (local ? "llama-3.2-1b-instruct" : "gpt-4o-mini-2024-07-18");
  const epochs = curve.epochs ?? 3;
  const tokensPerEpoch = 41_250;
  const hosted = {
    hyperparameters: { n_epochs: epochs, batch_size: 1, learning_rate_multiplier: 1.8 },
    remoteJobId: `ftjob-demo-${Math.random().toString(36).slice(2, 12)}`,
    remoteTrainingFileId: "file-train-demo",
    remoteValidationFileId: "file-valid-demo",
    remoteStatus: status,
    trainingPricePerMTok: 3,
    estimatedUsd: 0.37,
    ...(status === "succeeded" ? { fineTunedModel: `ft:${baseModel}:demo:${o.suffix ?? "demo"}:Ab12Cd34`, trainedTokens: tokensPerEpoch * epochs, actualUsd: 0.37 } : {}),
  };
  const localRun = {
    ...storedLocalConfig(localConfigSchema.parse({ training: { epochs } })),
    backend: "cpu",
    ...(status === "succeeded" ? { trainedTokens: tokensPerEpoch * epochs } : {}),
  };
  const job = await db.fineTuneJob.create({
    data: {
      provider: local ? "local" : "openai",
      status,
      baseModel,
      suffix: o.suffix ?? null,
      datasetVersionId: o.datasetVersionId ?? null,
      ...(local ? localRun : hosted),
      estimatedTokensPerEpoch: tokensPerEpoch,
      estimatedEpochs: epochs,
      createdAt: new Date(startedAt.getTime() - 90_000),
      startedAt,
      finishedAt: terminal ? new Date() : null,
      ...o.extra,
    },
  });
  if (steps > 0) {
    const rows = curvePoints(1, steps, curve).map((p) => ({ ...p, jobId: job.id, createdAt: new Date(startedAt.getTime() + p.step * 1000) }));
    for (let i = 0; i < rows.length; i += 5000) await db.metricPoint.createMany({ data: rows.slice(i, i + 5000) });
    const perEpoch = curve.totalSteps / (curve.epochs ?? 3);
    const checkpoints = [];
    for (let s = perEpoch; s <= steps; s += perEpoch) {
      const p = curvePoint(s, curve);
      checkpoints.push({
        jobId: job.id,
        step: s,
        remoteId: local ? null : `ftckpt-demo-${s}`,
        modelName: local ? null : `ft:${baseModel}:demo::ckpt${s}:ckpt-step-${s}`,
        path: local ? `jobs/${job.id}/checkpoints/step-${s}` : null,
        metrics: { step: s, train_loss: p.trainLoss, valid_loss: p.validLoss ?? p.fullValidLoss, full_valid_loss: p.fullValidLoss },
      });
    }
    if (checkpoints.length) await db.checkpoint.createMany({ data: checkpoints as Prisma.CheckpointCreateManyInput[] });
  }
  await db.jobEvent.createMany({
    data: local ? [
      { jobId: job.id, level: "info", message: `Queued: local QLoRA fine-tune of ${baseModel}; r 16, alpha 32, ${epochs} epoch${epochs === 1 ? "" : "s"}, backend auto.`, createdAt: new Date(startedAt.getTime() - 60_000) },
      { jobId: job.id, level: "info", message: `Preparing on worker-demo: loading ${baseModel} (NF4 with double quantization) and tokenizing 120 training examples.`, data: { phase: "preparing", workerId: "worker-demo" }, createdAt: new Date(startedAt.getTime() - 20_000) },
      { jobId: job.id, level: "info", message: `Training on worker-demo, cpu backend: 120 examples, ${tokensPerEpoch} tokens (${Math.round(tokensPerEpoch * 0.4)} trained on). ${preparedLine(15_200, 4_300)}`, createdAt: startedAt },
    ] : [
      { jobId: job.id, remoteId: "ftevent-1", level: "info", message: "Validating training file: file-train-demo", data: { status: "validating_files" }, createdAt: new Date(startedAt.getTime() - 60_000) },
      { jobId: job.id, remoteId: "ftevent-2", level: "info", message: "Fine-tuning job started", data: { status: "running" }, createdAt: startedAt },
      { jobId: job.id, remoteId: null, level: "warn", message: "OpenAI answered 429 (rate limited); retried after 2 s", createdAt: new Date(startedAt.getTime() + 5_000) },
    ],
  });
  return job.id;
}
