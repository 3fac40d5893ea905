import type { Redis } from "ioredis";
import type { CheckpointView, JobEventView, JobSummary, MetricPointView } from "../types";

// The live path every provider shares: a worker writes to Postgres first, then publishes what it wrote on
// the job's Redis pub/sub channel; the SSE route relays it to browsers. Because the write comes first, a
// browser that (re)connects reads history from Postgres and then the stream, and misses nothing;
// duplicates (a point both in history and on the stream) are dropped by step / id on the way out.

export type LiveMessage =
  | { type: "metrics"; points: MetricPointView[] }
  | { type: "events"; events: JobEventView[] }
  /**
   * New or changed checkpoints, merged by id; with `complete`, the job's whole set, replacing what the page holds (a
   * local trainer prunes all but its newest folders, whose rows are then gone; a reconnect's history is complete too).
   */
  | { type: "checkpoints"; checkpoints: CheckpointView[]; complete?: boolean }
  /** The job row changed (status, model name, cost, error, retry message…). */
  | { type: "job"; job: JobSummary };

/** One channel per job, under the installation's queue prefix so two installations on one Redis stay apart. */
export function jobChannel(prefix: string, jobId: string): string {
  return `${prefix}:live:job:${jobId}`;
}

/** Publishes after the caller has committed the same data to Postgres. Never throws: live is best-effort. */
export async function publishJobUpdate(redis: Redis, prefix: string, jobId: string, message: LiveMessage): Promise<void> {
  try {
    await redis.publish(jobChannel(prefix, jobId), JSON.stringify(message));
  } catch (err) {
    console.error(`[live] could not publish ${message.type} for job ${jobId}: ${(err as Error).message}`);
  }
}

export function parseLiveMessage(raw: string): LiveMessage | null {
  try {
    const m = JSON.parse(raw) as LiveMessage;
    return m && typeof m === "object" && typeof m.type === "string" ? m : null;
  } catch {
    return null;
  }
}
