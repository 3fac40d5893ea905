import { jobIdFor } from "../../queue/contracts";
import { queues, type QueueSet } from "../../queue/queues";

// "3rd in line": a queued local job's place among the gpu-jobs runs waiting for a worker (oldest first).
// Best-effort and bounded: an unreachable Redis answers null (the page then shows just "queued") after 1 s.

export async function gpuQueuePosition(jobId: string, qs: QueueSet = queues()): Promise<number | null> {
  const runId = jobIdFor("gpu-jobs", "finetune.run", { jobId });
  const lookup = (async () => {
    const waiting = await qs.get("gpu-jobs").getJobs(["waiting", "prioritized"], 0, -1, true);
    const index = waiting.findIndex((j) => j.id === runId);
    return index >= 0 ? index + 1 : null;
  })();
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 1_000).unref());
  return Promise.race([lookup.catch(() => null), timeout]);
}
