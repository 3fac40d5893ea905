import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { HttpError } from "../http/errors";
import { jobIdFor } from "../queue/contracts";
import { queues } from "../queue/queues";
import { publishEvalRow } from "./live";

// POST /api/evals/[id]/cancel. The row is the signal: the status becomes "cancelled" at once (conditional on
// the run still being unfinished, so a worker finishing at this instant wins and we answer 409), and the
// worker re-reads the status between samples and stops there, keeping the samples already done. A run that
// no worker has taken yet also leaves the queue.

export async function cancelEval(id: string, deps: { db?: PrismaClient } = {}): Promise<void> {
  const db = deps.db ?? prisma();
  const run = await db.evalRun.findUnique({ where: { id }, select: { status: true } });
  if (!run) throw new HttpError(404, "eval_not_found", `No evaluation run with id ${id}`);
  if (run.status === "cancelled") return;
  const changed = await db.evalRun.updateMany({
    where: { id, status: { in: ["queued", "running"] } },
    data: { status: "cancelled", finishedAt: new Date() },
  });
  if (changed.count === 0) {
    const now = await db.evalRun.findUniqueOrThrow({ where: { id }, select: { status: true } });
    if (now.status === "cancelled") return;
    throw new HttpError(409, "eval_finished", `Evaluation ${id} already ${now.status}; there is nothing to cancel.`, { status: now.status });
  }
  try {
    for (const queue of ["eval", "gpu-jobs"] as const) {
      const job = await queues().get(queue).getJob(jobIdFor(queue, "eval.run", { evalRunId: id })!);
      // An active (locked) run cannot be removed; its worker sees the row cancelled between samples.
      if (job && (await job.getState()) === "waiting") await job.remove();
    }
    await publishEvalRow(id, { db });
  } catch {
    // Redis down: whichever worker takes the run finds the row cancelled and does nothing.
  }
}
