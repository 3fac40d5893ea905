import { WaitingError, type Job } from "bullmq";
import { hostedDeps, runHostedJob } from "../../lib/jobs/hosted";
import { createProcessor } from "../../lib/queue/dispatch";
import type { ProcessorDeps } from "./index";

// Hosted fine-tunes: one BullMQ job per FineTuneJob runs it from upload to the end (lib/jobs/hosted).
// The run starts with a status check, so a re-run of a terminal job is a no-op.
export function openAIJobsProcessor(deps: ProcessorDeps) {
  const hosted = hostedDeps({ db: deps.db, pub: { redis: deps.redis, prefix: deps.prefix }, signal: deps.signal, log: deps.log });
  return createProcessor(
    "openai-jobs",
    {
      "finetune.run": async (payload, job) => {
        const result = await runHostedJob(hosted, payload.jobId);
        if (result.outcome === "interrupted") await handBack(job, deps);
        return result;
      },
    },
    deps.log,
  );
}

/**
 * This process is shutting down mid-run: put the job back to waiting so another worker resumes it at once
 * (the row in Postgres says where), instead of completing it or waiting for the lock to lapse.
 */
async function handBack(job: Job, deps: ProcessorDeps): Promise<never | void> {
  try {
    await job.moveToWait(job.token);
  } catch (err) {
    // Lost the lock (e.g. Redis was flushed): the reconciler re-enqueues the job from Postgres instead.
    deps.log.warn(`[openai-jobs] could not hand job ${job.id} back on shutdown: ${(err as Error).message}`);
    return;
  }
  throw new WaitingError();
}
