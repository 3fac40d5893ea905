import type { PrismaClient } from "@prisma/client";
import type { QualityMetric } from "../eval/types";
import { METRIC_LABELS, signedPoints, winRateText } from "../eval/words";
import { jobDisplayName } from "../jobs/types";
import type { WebhookEvent } from "./events";

// What a webhook receives when a job ends: `text`, one sentence Slack's incoming webhooks show as the message
// (`content` the same, for Discord's), and the job as JSON for receivers that act on it.

export type EvalEndedView = {
  id: string;
  url: string;
  status: string;
  name: string;
  candidate: string;
  baseline: string;
  judge: string | null;
  dataset: string;
  split: string;
  samples: number | null;
  /** The candidate's judged win rate and its 95 % interval; null without a judge. */
  winRate: { candidate: number; ci: [number, number] } | null;
  /** Per metric: each side's mean, the delta (candidate − baseline) and its 95 % interval. */
  metrics: Record<string, { candidate: number; baseline: number; delta: number; ci: [number, number] }>;
  errorMessage: string | null;
  startedAt: string | null;
  finishedAt: string | null;
};

export type EndingPayload = {
  event: WebhookEvent | "ping";
  sentAt: string;
  text: string;
  content: string;
  job: {
    id: string;
    url: string;
    status: string;
    provider: "openai" | "local";
    baseModel: string;
    fineTunedModel: string | null;
    suffix: string | null;
    dataset: string | null;
    steps: number | null;
    finalTrainLoss: number | null;
    finalValidLoss: number | null;
    adapterStep: number | null;
    errorMessage: string | null;
    startedAt: string | null;
    finishedAt: string | null;
  } | null;
  /** An evaluation's ending (event eval.*); null for a job's. */
  evaluation?: EvalEndedView | null;
};

const loss = (n: number | null) => (n === null ? null : n.toFixed(4));

/** The payload for a job that ended, read from Postgres; null when the job is gone. */
export async function jobEndedPayload(db: PrismaClient, jobId: string, event: WebhookEvent, baseUrl: string, now = new Date()): Promise<EndingPayload | null> {
  const job = await db.fineTuneJob.findUnique({ where: { id: jobId }, include: { datasetVersion: { include: { dataset: { select: { name: true } } } } } });
  if (!job) return null;
  const [lastTrain, lastValid] = await Promise.all([
    db.metricPoint.findFirst({ where: { jobId, trainLoss: { not: null } }, orderBy: { step: "desc" }, select: { step: true, trainLoss: true } }),
    db.metricPoint.findFirst({ where: { jobId, validLoss: { not: null } }, orderBy: { step: "desc" }, select: { validLoss: true } }),
  ]);
  const url = new URL(`/jobs/${encodeURIComponent(job.id)}`, baseUrl).toString();
  const name = jobDisplayName(job);
  const dataset = job.datasetVersion ? `${job.datasetVersion.dataset.name} v${job.datasetVersion.number}` : null;
  const figures = [
    lastTrain ? `${lastTrain.step} steps` : null,
    lastTrain?.trainLoss != null ? `training loss ${loss(lastTrain.trainLoss)}` : null,
    lastValid?.validLoss != null ? `validation loss ${loss(lastValid.validLoss)}` : null,
  ].filter(Boolean);
  const how = event === "job.failed" ? `failed${job.errorMessage ? `: ${job.errorMessage}` : ""}` : event === "job.cancelled" ? "was cancelled" : "succeeded";
  const text =
    `tuneforge: ${job.provider === "openai" ? "OpenAI" : "local"} job ${name}${dataset ? ` on ${dataset}` : ""} ${how}` +
    `${figures.length ? ` (${figures.join(", ")})` : ""}. ${url}`;
  return {
    event,
    sentAt: now.toISOString(),
    text,
    content: text,
    job: {
      id: job.id,
      url,
      status: job.status,
      provider: job.provider,
      baseModel: job.baseModel,
      fineTunedModel: job.fineTunedModel,
      suffix: job.suffix,
      dataset,
      steps: lastTrain?.step ?? null,
      finalTrainLoss: lastTrain?.trainLoss ?? null,
      finalValidLoss: lastValid?.validLoss ?? null,
      adapterStep: job.adapterStep,
      errorMessage: job.errorMessage,
      startedAt: job.startedAt?.toISOString() ?? null,
      finishedAt: job.finishedAt?.toISOString() ?? null,
    },
  };
}

export function pingPayload(now = new Date()): EndingPayload {
  const text = "tuneforge: this webhook works. You will get a message like this one when a fine-tuning job ends.";
  return { event: "ping", sentAt: now.toISOString(), text, content: text, job: null };
}


type StoredSummary = { n?: number; winRate?: EvalEndedView["winRate"]; metrics?: EvalEndedView["metrics"] };

/** The payload for an evaluation run that ended, read from Postgres; null when the run is gone. */
export async function evalEndedPayload(db: PrismaClient, id: string, event: WebhookEvent, baseUrl: string, now = new Date()): Promise<EndingPayload | null> {
  const run = await db.evalRun.findUnique({ where: { id }, include: { datasetVersion: { include: { dataset: { select: { name: true } } } } } });
  if (!run) return null;
  const summary = (run.summary ?? {}) as StoredSummary;
  const url = new URL(`/evaluations/${encodeURIComponent(run.id)}`, baseUrl).toString();
  const dataset = `${run.datasetVersion.dataset.name} v${run.datasetVersion.number}`;
  const name = run.name || `${run.candidateSpec} vs ${run.baselineSpec}`;
  const metrics = summary.metrics ?? {};
  const figures = [
    summary.winRate ? `the candidate wins ${winRateText(summary.winRate)}` : null,
    ...Object.entries(metrics).slice(0, 2).map(([m, s]) => `${METRIC_LABELS[m as QualityMetric] ?? m} ${signedPoints(s.delta)}`),
  ].filter(Boolean);
  const how = event === "eval.failed" ? `failed${run.errorMessage ? `: ${run.errorMessage}` : ""}` : event === "eval.cancelled" ? "was cancelled" : "succeeded";
  const over = summary.n ? ` over ${summary.n} samples` : "";
  const text = `tuneforge: evaluation ${name} on ${dataset} ${how}${figures.length ? `: ${figures.join("; ")}${over}` : ""}. ${url}`;
  return {
    event,
    sentAt: now.toISOString(),
    text,
    content: text,
    job: null,
    evaluation: {
      id: run.id,
      url,
      status: run.status,
      name,
      candidate: run.candidateSpec,
      baseline: run.baselineSpec,
      judge: run.judgeSpec,
      dataset,
      split: run.split,
      samples: summary.n ?? null,
      winRate: summary.winRate ?? null,
      metrics,
      errorMessage: run.errorMessage,
      startedAt: run.startedAt?.toISOString() ?? null,
      finishedAt: run.finishedAt?.toISOString() ?? null,
    },
  };
}
