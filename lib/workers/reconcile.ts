import type { PrismaClient } from "@prisma/client";
import { isTerminalJobStatus, JOB_STATUSES } from "../jobs/types";
import type { JobName, Payload, QueueName } from "../queue/contracts";
import { jobIdFor, parsePayload } from "../queue/contracts";
import type { QueueSet } from "../queue/queues";

// Postgres is the source of truth; Redis keeps nothing on disk here. On start a worker process puts every
// job that Postgres says is unfinished back into its queue under its deterministic job id, so a lost
// Redis loses no work and a healthy Redis gets no duplicates.

export const NON_TERMINAL_JOB_STATUSES = JOB_STATUSES.filter((s) => !isTerminalJobStatus(s));
export const NON_TERMINAL_EVAL_STATUSES = ["queued", "running"] as const;

export type ReconcileOutcome =
  /** Not in Redis: added. */
  | "enqueued"
  /** Waiting, delayed or active: left alone. */
  | "present"
  /** Finished in Redis while Postgres says unfinished (e.g. a worker died between the two writes): re-added. */
  | "requeued";

export type ReconcileEntry = { queue: QueueName; jobId: string; outcome: ReconcileOutcome };
export type ReconcileResult = { entries: ReconcileEntry[]; enqueued: number; present: number; requeued: number };

type Target = { queue: QueueName; name: string; payload: unknown };

export async function reconcileJobs(opts: { db: PrismaClient; queues: QueueSet }): Promise<ReconcileResult> {
  const [jobs, evals] = await Promise.all([
    opts.db.fineTuneJob.findMany({
      where: { status: { in: [...NON_TERMINAL_JOB_STATUSES] } },
      select: { id: true, provider: true },
      orderBy: { createdAt: "asc" },
    }),
    opts.db.evalRun.findMany({
      where: { status: { in: [...NON_TERMINAL_EVAL_STATUSES] } },
      select: { id: true },
      orderBy: { createdAt: "asc" },
    }),
  ]);

  const targets: Target[] = [
    ...jobs.map((j) => ({
      queue: (j.provider === "openai" ? "openai-jobs" : "gpu-jobs") as QueueName,
      name: "finetune.run",
      payload: { jobId: j.id },
    })),
    ...evals.map((e) => ({ queue: "eval" as QueueName, name: "eval.run", payload: { evalRunId: e.id } })),
  ];

  const entries: ReconcileEntry[] = [];
  for (const t of targets) entries.push(await reconcileOne(opts.queues, t));
  const count = (o: ReconcileOutcome) => entries.filter((e) => e.outcome === o).length;
  return { entries, enqueued: count("enqueued"), present: count("present"), requeued: count("requeued") };
}

async function reconcileOne(queues: QueueSet, t: Target): Promise<ReconcileEntry> {
  const name = t.name as JobName<QueueName>;
  const payload = parsePayload(t.queue, name, t.payload) as Payload<QueueName, typeof name>;
  const jobId = jobIdFor(t.queue, name, payload);
  if (!jobId) throw new Error(`Contract ${t.queue}/${t.name} has no deterministic job id; cannot reconcile it`);

  const existing = await queues.get(t.queue).getJob(jobId);
  let outcome: ReconcileOutcome = "enqueued";
  if (existing) {
    const state = await existing.getState();
    if (state !== "completed" && state !== "failed" && state !== "unknown") return { queue: t.queue, jobId, outcome: "present" };
    // BullMQ dedupes on the id of a finished job too, so it must go before the row can be queued again.
    // Contract for the fine-tune and eval processors: begin with a status check on the row, so that a
    // re-run of a job whose row turned terminal meanwhile is a no-op.
    if (state !== "unknown") {
      await existing.remove();
      outcome = "requeued";
    }
  }
  await queues.enqueue(t.queue, name, payload);
  return { queue: t.queue, jobId, outcome };
}
