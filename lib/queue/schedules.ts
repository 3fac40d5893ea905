import { NOTIFY_ENDED_JOBS_EVERY_MS, PRUNE_SESSIONS_EVERY_MS, parsePayload } from "./contracts";
import type { QueueSet } from "./queues";

// Repeating jobs. Upserting a job scheduler is idempotent (keyed by its id), so every worker process
// may call this on start without creating duplicates, and it restores the schedule after Redis lost it.

export async function upsertSystemSchedules(queues: QueueSet): Promise<void> {
  const schedules = [
    ["system.pruneSessions", PRUNE_SESSIONS_EVERY_MS],
    ["system.notifyEndedJobs", NOTIFY_ENDED_JOBS_EVERY_MS],
  ] as const;
  for (const [name, every] of schedules) {
    await queues.get("system").upsertJobScheduler(name, { every }, { name, data: parsePayload("system", name, {}) });
  }
}
