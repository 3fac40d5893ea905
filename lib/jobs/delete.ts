import { rm } from "node:fs/promises";
import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { dataDir as defaultDataDir } from "../env";
import { HttpError } from "../http/errors";
import { jobOutputDir } from "./local/run/paths";
import { TERMINAL_JOB_STATUSES } from "./types";

// Deleting a job (DELETE /api/jobs/<id>, the job page, the jobs list's selection, `tuneforge jobs delete`): its
// row with every metric point, event, checkpoint and artifact row (cascade), then its folder under the data
// directory (a local job's checkpoints, adapter and exports). Refused while anything still writes to it: a job
// not yet finished (cancel it first), an evaluation of it that is queued or running, a merged-model export in
// progress. Evaluations that compared it keep their results (their job link is cleared). An OpenAI job's
// fine-tuned model stays in the OpenAI organization: only tuneforge's record of it goes.

export type DeletedJob = { id: string; provider: "openai" | "local"; note: string | null };

export async function deleteJob(id: string, deps: { db?: PrismaClient; dataDir?: string } = {}): Promise<DeletedJob> {
  const db = deps.db ?? prisma();
  const job = await db.fineTuneJob.findUnique({ where: { id }, select: { provider: true, fineTunedModel: true } });
  if (!job) throw new HttpError(404, "job_not_found", `No fine-tuning job with id ${id}`);
  // One conditional delete: a job that a worker takes again, an evaluation that starts or an export that is queued
  // between a check and the delete is never removed from under it.
  const { count } = await db.fineTuneJob.deleteMany({
    where: {
      id,
      status: { in: [...TERMINAL_JOB_STATUSES] },
      evalRuns: { none: { status: { in: ["queued", "running"] } } },
      artifacts: { none: { status: { in: ["pending", "running"] } } },
    },
  });
  if (count === 0) throw await whyNot(db, id);
  await rm(jobOutputDir(deps.dataDir ?? defaultDataDir(), id), { recursive: true, force: true });
  const note =
    job.provider === "openai" && job.fineTunedModel
      ? `${job.fineTunedModel} is still in your OpenAI organization; delete it there (DELETE /v1/models/${job.fineTunedModel}) if you no longer need it.`
      : null;
  return { id, provider: job.provider, note };
}

async function whyNot(db: PrismaClient, id: string): Promise<HttpError> {
  const job = await db.fineTuneJob.findUnique({
    where: { id },
    select: { status: true, evalRuns: { where: { status: { in: ["queued", "running"] } }, select: { id: true }, take: 1 }, artifacts: { where: { status: { in: ["pending", "running"] } }, select: { id: true }, take: 1 } },
  });
  if (!job) return new HttpError(404, "job_not_found", `No fine-tuning job with id ${id}`);
  if (job.status === "cancelling") return new HttpError(409, "job_active", `Job ${id} is cancelling; wait until it has stopped, then delete it.`);
  if (!(TERMINAL_JOB_STATUSES as readonly string[]).includes(job.status))
    return new HttpError(409, "job_active", `Job ${id} is ${job.status}; cancel it first, then delete it.`);
  if (job.evalRuns.length)
    return new HttpError(409, "job_in_use", `An evaluation of job ${id} (${job.evalRuns[0]!.id}) is still running; wait for it or cancel it, then delete the job.`);
  return new HttpError(409, "job_in_use", `A merged-model export of job ${id} is still being written; wait for it to finish, then delete the job.`);
}
