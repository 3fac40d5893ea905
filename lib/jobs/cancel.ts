import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { HttpError } from "../http/errors";
import { jobIdFor } from "../queue/contracts";
import { queues } from "../queue/queues";
import { enqueueJobRun } from "./launch/enqueue";
import { publishJobRow } from "./launch/live";
import { TERMINAL_JOB_STATUSES, type JobStatusName, type JobView } from "./types";
import { loadJobView } from "./view";

// POST /api/jobs/[id]/cancel. The web process only records the request: the worker owns every call to the
// provider, re-reads the row on each poll, sees cancelRequestedAt and cancels remotely (or, before anything
// was created remotely, just stops). Re-enqueueing makes sure some worker is looking at the row.
// Local jobs: a queued one (no worker has it) is cancelled at once and leaves the gpu-jobs queue; a running
// one is marked cancelling and its GPU worker stops the trainer at the next step, keeping the last checkpoint.

export async function requestCancel(jobId: string, opts: { db?: PrismaClient } = {}): Promise<JobView> {
  const db = opts.db ?? prisma();
  const job = await db.fineTuneJob.findUnique({ where: { id: jobId }, select: { status: true, cancelRequestedAt: true, provider: true } });
  if (!job) throw new HttpError(404, "job_not_found", `No fine-tuning job with id ${jobId}`);
  if (job.cancelRequestedAt && job.status === "cancelling") return loadJobView(jobId, { db });
  if (job.provider === "local" && job.status === "queued" && (await cancelQueuedLocal(db, jobId))) return loadJobView(jobId, { db });

  // Conditional update: a worker finishing the job at the same moment wins, and we answer 409 below.
  const now = new Date();
  const changed = await db.fineTuneJob.updateMany({
    where: { id: jobId, status: { notIn: [...TERMINAL_JOB_STATUSES] } },
    data: { status: "cancelling", cancelRequestedAt: now },
  });
  if (changed.count === 0) throw alreadyFinished(jobId, (await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } })).status);
  await db.jobEvent.create({
    data: {
      jobId,
      level: "info",
      message:
        job.provider === "local"
          ? `Cancel requested; was ${job.status.replace("_", " ")}. The GPU worker stops at the next step and keeps the last checkpoint.`
          : `Cancel requested; was ${job.status.replace("_", " ")}. The worker cancels it with the provider.`,
      createdAt: now,
    },
  });

  await publishJobRow(jobId, { db });
  await enqueueJobRun(jobId, undefined, job.provider);
  return loadJobView(jobId, { db });
}

function alreadyFinished(jobId: string, status: JobStatusName | string): HttpError {
  return new HttpError(409, "job_finished", `Job ${jobId} already ${status}; there is nothing to cancel.`, { status });
}

/**
 * A local job no worker has started: cancelled now (conditional on still being queued, so a worker that took
 * it this instant sees cancelRequestedAt and stops instead), and its waiting run leaves the queue.
 */
async function cancelQueuedLocal(db: PrismaClient, jobId: string): Promise<boolean> {
  const now = new Date();
  const changed = await db.fineTuneJob.updateMany({
    where: { id: jobId, status: "queued", startedAt: null },
    data: { status: "cancelled", cancelRequestedAt: now, finishedAt: now },
  });
  if (changed.count === 0) return false;
  await db.jobEvent.create({ data: { jobId, level: "info", message: "Cancelled while queued; it never started.", createdAt: now } });
  try {
    const run = await queues().get("gpu-jobs").getJob(jobIdFor("gpu-jobs", "finetune.run", { jobId })!);
    // An active (locked) run cannot be removed; its worker finds the row cancelled and stops.
    if (run && (await run.getState()) === "waiting") await run.remove();
  } catch {
    // Redis down: the worker that eventually takes the run finds the row cancelled and does nothing.
  }
  await publishJobRow(jobId, { db });
  return true;
}
