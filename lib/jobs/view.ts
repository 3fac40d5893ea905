import type { Checkpoint, DatasetVersion, FineTuneJob, JobEvent, MetricPoint, Prisma, PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { dataDir } from "../env";
import { HttpError } from "../http/errors";
import { absoluteInData } from "./local/run/paths";
import { gpuQueuePosition } from "./local/queue-position";
import type { CheckpointView, JobEventView, JobStatusName, JobSummary, JobView, MetricPointView } from "./types";

// Row → view conversions for jobs, and the loader the API, pages, CLI and SSE stream share.

type JobRow = FineTuneJob & {
  datasetVersion: (Pick<DatasetVersion, "id" | "number" | "trainCount" | "validationCount" | "datasetId"> & { dataset: { name: string } }) | null;
};

export const JOB_SUMMARY_INCLUDE = {
  datasetVersion: {
    select: { id: true, number: true, trainCount: true, validationCount: true, datasetId: true, dataset: { select: { name: true } } },
  },
} satisfies Prisma.FineTuneJobInclude;

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const num = (d: Prisma.Decimal | null) => (d ? d.toNumber() : null);

export function toMetricPointView(m: MetricPoint): MetricPointView {
  return {
    step: m.step,
    trainLoss: m.trainLoss,
    trainAccuracy: m.trainAccuracy,
    validLoss: m.validLoss,
    validAccuracy: m.validAccuracy,
    fullValidLoss: m.fullValidLoss,
    fullValidAccuracy: m.fullValidAccuracy,
    rewardMargin: m.rewardMargin,
    validRewardMargin: m.validRewardMargin,
    learningRate: m.learningRate,
    tokensPerSecond: m.tokensPerSecond,
    gradNorm: m.gradNorm,
    memoryBytes: m.memoryBytes === null ? null : Number(m.memoryBytes),
    totalSteps: m.totalSteps,
    epoch: m.epoch,
    at: m.createdAt.toISOString(),
  };
}

export function toJobEventView(e: JobEvent): JobEventView {
  return { id: e.id, remoteId: e.remoteId, level: e.level, message: e.message, data: e.data, at: e.createdAt.toISOString() };
}

export function toCheckpointView(c: Checkpoint): CheckpointView {
  return {
    id: c.id,
    step: c.step,
    remoteId: c.remoteId,
    modelName: c.modelName,
    path: c.path,
    metrics: (c.metrics ?? {}) as Record<string, number>,
    at: c.createdAt.toISOString(),
  };
}

export function toJobSummary(j: JobRow, progress: JobSummary["progress"]): JobSummary {
  const v = j.datasetVersion;
  return {
    id: j.id,
    status: j.status as JobStatusName,
    provider: j.provider,
    method: j.method,
    baseModel: j.baseModel,
    fineTunedModel: j.fineTunedModel,
    trainedTokens: j.trainedTokens,
    estimatedUsd: num(j.estimatedUsd),
    actualUsd: num(j.actualUsd),
    estimatedTokensPerEpoch: j.estimatedTokensPerEpoch,
    estimatedEpochs: j.estimatedEpochs,
    trainingPricePerMTok: num(j.trainingPricePerMTok),
    hyperparameters: (j.hyperparameters ?? {}) as Record<string, unknown>,
    suffix: j.suffix,
    seed: j.seed,
    note: j.note,
    attached: j.attached,
    remoteJobId: j.remoteJobId,
    remoteStatus: j.remoteStatus,
    remoteTrainingFileId: j.remoteTrainingFileId,
    remoteValidationFileId: j.remoteValidationFileId,
    errorCode: j.errorCode,
    errorMessage: j.errorMessage,
    retryMessage: j.retryMessage,
    dataset: v
      ? { datasetId: v.datasetId, datasetName: v.dataset.name, versionId: v.id, versionNumber: v.number, trainCount: v.trainCount, validationCount: v.validationCount }
      : null,
    progress,
    createdAt: j.createdAt.toISOString(),
    startedAt: iso(j.startedAt),
    finishedAt: iso(j.finishedAt),
    estimatedFinishAt: iso(j.estimatedFinishAt),
    cancelRequestedAt: iso(j.cancelRequestedAt),
    adapterPath: j.adapterPath ? absoluteInData(dataDir(), j.adapterPath) : null,
    adapterStep: j.adapterStep,
    stoppedEarly: j.stoppedEarly,
    backend: j.backend,
    workerId: j.workerId,
    loraConfig: (j.loraConfig ?? null) as Record<string, unknown> | null,
    queuePosition: null,
  };
}

/** The newest metric point's step and total for each job (one query for a whole list). */
export async function latestProgress(db: PrismaClient, jobIds: string[]): Promise<Map<string, JobSummary["progress"]>> {
  const out = new Map<string, JobSummary["progress"]>();
  if (jobIds.length === 0) return out;
  const rows = await db.$queryRaw<{ job_id: string; step: number; total_steps: number | null }[]>`
    SELECT DISTINCT ON (job_id) job_id, step, total_steps FROM metric_points
    WHERE job_id = ANY(${jobIds}::text[]) ORDER BY job_id, step DESC`;
  for (const r of rows) out.set(r.job_id, { step: r.step, totalSteps: r.total_steps });
  return out;
}

/** The whole job: summary, every metric point (ascending step), events (oldest first) and checkpoints. */
export async function loadJobView(id: string, opts: { db?: PrismaClient } = {}): Promise<JobView> {
  const db = opts.db ?? prisma();
  const job = await db.fineTuneJob.findUnique({ where: { id }, include: JOB_SUMMARY_INCLUDE });
  if (!job) throw new HttpError(404, "job_not_found", `No fine-tuning job with id ${id}`);
  const [metrics, events, checkpoints] = await Promise.all([
    db.metricPoint.findMany({ where: { jobId: id }, orderBy: { step: "asc" } }),
    db.jobEvent.findMany({ where: { jobId: id }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    db.checkpoint.findMany({ where: { jobId: id }, orderBy: { step: "asc" } }),
  ]);
  const last = metrics.at(-1);
  const queuePosition = job.provider === "local" && job.status === "queued" ? await gpuQueuePosition(id) : null;
  return {
    ...toJobSummary(job, last ? { step: last.step, totalSteps: last.totalSteps } : null),
    queuePosition,
    metrics: metrics.map(toMetricPointView),
    events: events.map(toJobEventView),
    checkpoints: checkpoints.map(toCheckpointView),
  };
}
