import { jobIdFor } from "../../queue/contracts";
import { queues, type QueueSet } from "../../queue/queues";

// An eval run goes to the plain `eval` workers when every model it calls is remote, and to a GPU worker
// (`gpu-jobs`) when one side runs on this machine's trainer. The BullMQ id is deterministic (`eval-<id>`), so
// adding while one waits or runs is a no-op; a finished run with that id would swallow the add, so it is
// removed first — Postgres, not Redis, says whether the run still needs work (this is also how resume works).

export type EvalQueue = "eval" | "gpu-jobs";

export async function enqueueEvalRun(evalRunId: string, queue: EvalQueue, qs: QueueSet = queues()): Promise<void> {
  const runId = jobIdFor(queue, "eval.run", { evalRunId });
  const existing = runId ? await qs.get(queue).getJob(runId) : undefined;
  if (existing) {
    const state = await existing.getState();
    if (state !== "completed" && state !== "failed") return;
    await existing.remove();
  }
  if (queue === "eval") await qs.enqueue("eval", "eval.run", { evalRunId });
  else await qs.enqueue("gpu-jobs", "eval.run", { evalRunId });
}
