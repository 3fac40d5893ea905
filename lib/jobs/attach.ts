import { Prisma, type PrismaClient } from "@prisma/client";
import { NotFoundError } from "openai";
import type OpenAI from "openai";
import { trainingPriceFor } from "../datasets/stats/price";
import { prisma } from "../db/client";
import type { Env } from "../env";
import { HttpError } from "../http/errors";
import { listPrices } from "../pricing/list";
import { createOpenAIClient, effectiveBaseUrl, notConfigured } from "../providers/openai/client";
import { describeOpenAIError } from "../providers/openai/describe-error";
import { toRemoteJobState } from "../providers/openai/finetune/status";
import { resolveOpenAIConfig } from "../settings/credentials";
import { enqueueJobRun } from "./launch/enqueue";
import { isTerminalJobStatus, type JobView } from "./types";
import { loadJobView } from "./view";

// POST /api/jobs/attach: follow a job launched elsewhere (OpenAI's dashboard, a script) by its ftjob- id.
// Nothing is uploaded or created; the worker polls it like any other job and imports its events, metrics
// and checkpoints — also for a job that already finished.

export const REMOTE_JOB_ID = /^ftjob-[A-Za-z0-9_-]{1,64}$/;

export async function attachRemoteJob(remoteJobId: string, opts: { db?: PrismaClient; env?: Env } = {}): Promise<JobView> {
  const db = opts.db ?? prisma();
  const id = remoteJobId.trim();
  if (!REMOTE_JOB_ID.test(id)) {
    throw new HttpError(400, "invalid_remote_job_id", `"${id}" is not an OpenAI fine-tuning job id; they look like ftjob-abc123 (copy it from OpenAI's fine-tuning dashboard).`);
  }
  await refuseIfTracked(db, id);

  const config = await resolveOpenAIConfig({ db, env: opts.env });
  if (!config) throw notConfigured();
  const client = createOpenAIClient(config, { timeoutMs: 30_000 });
  let remote: OpenAI.FineTuning.FineTuningJob;
  try {
    remote = await client.fineTuning.jobs.retrieve(id);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new HttpError(404, "remote_job_not_found", `OpenAI has no fine-tuning job ${id} for the configured key; check the id, and that the key in Settings belongs to the organization and project that ran it.`);
    }
    throw new HttpError(502, "openai_error", `Could not look up ${id} on OpenAI: ${describeOpenAIError(err, effectiveBaseUrl(config))}`);
  }

  const methodType = remote.method?.type ?? "supervised";
  if (methodType !== "supervised" && methodType !== "dpo") {
    throw new HttpError(422, "method_unsupported", `${id} is a ${methodType} fine-tuning job; tuneforge follows supervised and DPO jobs only.`);
  }
  const state = toRemoteJobState(remote);
  const price = trainingPriceFor((await listPrices({ db })).prices.filter((p) => p.provider === "openai"), remote.model);
  const suffix = (remote as { user_provided_suffix?: string | null }).user_provided_suffix ?? null;

  let jobId: string;
  try {
    jobId = await db.$transaction(async (tx) => {
      const job = await tx.fineTuneJob.create({
        data: {
          provider: "openai",
          attached: true,
          // A finished remote job is still "queued" here until the worker has imported its history; its
          // first poll sets the real status.
          status: isTerminalJobStatus(state.status) ? "queued" : state.status,
          method: methodType,
          baseModel: remote.model,
          datasetVersionId: null,
          hyperparameters: state.hyperparameters as Prisma.InputJsonObject,
          suffix,
          seed: remote.seed ?? null,
          remoteJobId: id,
          remoteTrainingFileId: remote.training_file,
          remoteValidationFileId: remote.validation_file ?? null,
          remoteStatus: state.remoteStatus,
          trainingPricePerMTok: price?.usdPerMTok ?? null,
        },
      });
      const message = `Attached OpenAI job ${id} (${remote.model}, remote status ${state.remoteStatus}); importing its events, metrics and checkpoints.`;
      await tx.jobEvent.create({ data: { jobId: job.id, level: "info", message } });
      return job.id;
    });
  } catch (err) {
    // Two attaches of the same id at once: the unique remoteJobId lets one win.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") await refuseIfTracked(db, id);
    throw err;
  }
  await enqueueJobRun(jobId);
  return loadJobView(jobId, { db });
}

async function refuseIfTracked(db: PrismaClient, remoteJobId: string): Promise<void> {
  const existing = await db.fineTuneJob.findUnique({ where: { remoteJobId }, select: { id: true, attached: true } });
  if (!existing) return;
  const how = existing.attached ? "attached" : "launched from tuneforge";
  throw new HttpError(409, "already_tracked", `${remoteJobId} is already tracked here as job ${existing.id} (${how}); open /jobs/${existing.id}.`, { jobId: existing.id });
}
