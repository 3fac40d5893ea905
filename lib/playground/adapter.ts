import type { PrismaClient } from "@prisma/client";
import { existingDataFolder } from "../artifacts/paths";
import { HttpError, notFound } from "../http/errors";

// The adapter of a fine-tuned job, for the playground: only a succeeded local job has one, and it only fits
// the base model it was trained on.

export type JobAdapter = { jobId: string; baseModel: string; dir: string };

export async function jobAdapter(db: PrismaClient, jobId: string, opts: { dataRoot?: string } = {}): Promise<JobAdapter> {
  const job = await db.fineTuneJob.findUnique({ where: { id: jobId }, select: { id: true, provider: true, status: true, baseModel: true, adapterPath: true } });
  if (!job) throw notFound(`Job ${jobId}`);
  if (job.provider !== "local") throw new HttpError(409, "not_local_job", `Job ${jobId} ran at ${job.provider}; the playground runs local adapters only.`);
  if (job.status !== "succeeded") throw new HttpError(409, "job_not_succeeded", `Job ${jobId} is ${job.status}; pick a job that has succeeded.`);
  if (!job.adapterPath) throw new HttpError(409, "no_adapter", `Job ${jobId} recorded no adapter folder.`);
  return { jobId: job.id, baseModel: job.baseModel, dir: existingDataFolder(job.adapterPath, `The adapter of job ${jobId}`, opts.dataRoot) };
}
