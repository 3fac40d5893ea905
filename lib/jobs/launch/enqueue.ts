import { jobIdFor } from "../../queue/contracts";
import { queues, type QueueSet } from "../../queue/queues";

/**
 * Makes sure a BullMQ run exists for the job, so a worker acts on the row (start, cancel, resume polling).
 * The run's id is deterministic (`finetune-<id>`), so adding while one waits or runs is a no-op; a finished
 * run with that id would also swallow the add, so it is removed first — Postgres, not that run, says
 * whether the job still needs work.
 */
export async function enqueueJobRun(jobId: string, qs: QueueSet = queues(), provider: "openai" | "local" = "openai"): Promise<void> {
  // Hosted runs go to the openai-jobs workers; local ones to the GPU workers (one device each).
  const queue = provider === "local" ? "gpu-jobs" : "openai-jobs";
  const runId = jobIdFor(queue, "finetune.run", { jobId });
  const existing = runId ? await qs.get(queue).getJob(runId) : undefined;
  if (existing) {
    const state = await existing.getState();
    if (state !== "completed" && state !== "failed") return;
    await existing.remove();
  }
  await qs.enqueue(queue, "finetune.run", { jobId });
}
