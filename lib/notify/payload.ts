import type { PrismaClient } from "@prisma/client";
import type { WebhookEvent } from "./events";

// What a webhook receives when a job ends: `text`, one sentence Slack's incoming webhooks show as the message
// (`content` the same, for Discord's), and the job as JSON for receivers that act on it.

export type JobEndedPayload = {
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
};

const loss = (n: number | null) => (n === null ? null : n.toFixed(4));

/** The payload for a job that ended, read from Postgres; null when the job is gone. */
export async function jobEndedPayload(db: PrismaClient, jobId: string, event: WebhookEvent, baseUrl: string, now = new Date()): Promise<JobEndedPayload | null> {
  const job = await db.fineTuneJob.findUnique({ where: { id: jobId }, include: { datasetVersion: { include: { dataset: { select: { name: true } } } } } });
  if (!job) return null;
  const [lastTrain, lastValid] = await Promise.all([
    db.metricPoint.findFirst({ where: { jobId, trainLoss: { not: null } }, orderBy: { step: "desc" }, select: { step: true, trainLoss: true } }),
    db.metricPoint.findFirst({ where: { jobId, validLoss: { not: null } }, orderBy: { step: "desc" }, select: { validLoss: true } }),
  ]);
  const url = new URL(`/jobs/${encodeURIComponent(job.id)}`, baseUrl).toString();
  const name = job.fineTunedModel ?? `${job.baseModel}${job.suffix ? ` · ${job.suffix}` : ""}`;
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

export function pingPayload(now = new Date()): JobEndedPayload {
  const text = "tuneforge: this webhook works. You will get a message like this one when a fine-tuning job ends.";
  return { event: "ping", sentAt: now.toISOString(), text, content: text, job: null };
}
