import { UnrecoverableError, type Job } from "bullmq";
import { parseJob, PayloadError, type JobName, type Payload, type QueueName } from "./contracts";

// Consumer side: turns a map of per-job-name handlers into one BullMQ processor that parses every job
// against the contracts before a handler sees it.

export type Handlers<Q extends QueueName> = {
  [N in JobName<Q>]: (payload: Payload<Q, N>, job: Job) => Promise<unknown>;
};

export type DispatchLogger = { warn(message: string): void };

export function createProcessor<Q extends QueueName>(queue: Q, handlers: Handlers<Q>, log: DispatchLogger = console) {
  return async (job: Job): Promise<unknown> => {
    let parsed;
    try {
      parsed = parseJob(queue, job.name, job.data);
    } catch (err) {
      // A malformed payload will be just as malformed on the next attempt: fail now, without retries.
      if (err instanceof PayloadError) throw new UnrecoverableError(err.message);
      throw err;
    }
    if (!parsed.known) {
      // Left by another version of tuneforge: completing it keeps the queue moving; the log says why.
      log.warn(`[${queue}] completed job ${job.id} with unknown name "${parsed.name}" without running it`);
      return { skipped: "unknown job name" };
    }
    const handler = handlers[parsed.name] as (payload: unknown, job: Job) => Promise<unknown>;
    return handler(parsed.payload, job);
  };
}
