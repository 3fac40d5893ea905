import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { HttpError } from "../http/errors";
import { enqueueJobRun } from "./launch/enqueue";
import { publishJobRow } from "./launch/live";
import { TERMINAL_JOB_STATUSES, type JobStatusName, type JobView } from "./types";
import { loadJobView } from "./view";

// POST /api/jobs/[id]/cancel. The web process only records the request: the worker owns every call to the
// provider, re-reads the row on each poll, sees cancelRequestedAt and cancels remotely (or, before anything
// was created remotely, just stops). Re-enqueueing makes sure some worker is looking at the row.

export async function requestCancel(jobId: string, opts: { db?: PrismaClient } = {}): Promise<JobView> {
  const db = opts.db ?? prisma();
  const job = await db.fineTuneJob.findUnique({ where: { id: jobId }, select: { status: true, cancelRequestedAt: true } });
  if (!job) throw new HttpError(404, "job_not_found", `No fine-tuning job with id ${jobId}`);
  if (job.cancelRequestedAt && job.status === "cancelling") return loadJobView(jobId, { db });

  // Conditional update: a worker finishing the job at the same moment wins, and we answer 409 below.
  const now = new Date();
  const changed = await db.fineTuneJob.updateMany({
    where: { id: jobId, status: { notIn: [...TERMINAL_JOB_STATUSES] } },
    data: { status: "cancelling", cancelRequestedAt: now },
  });
  if (changed.count === 0) throw alreadyFinished(jobId, (await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } })).status);
  await db.jobEvent.create({
    data: { jobId, level: "info", message: `Cancel requested; was ${job.status.replace("_", " ")}. The worker cancels it with the provider.`, createdAt: now },
  });

  await publishJobRow(jobId, { db });
  await enqueueJobRun(jobId);
  return loadJobView(jobId, { db });
}

function alreadyFinished(jobId: string, status: JobStatusName | string): HttpError {
  return new HttpError(409, "job_finished", `Job ${jobId} already ${status}; there is nothing to cancel.`, { status });
}
