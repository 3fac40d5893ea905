import type { PrismaClient } from "@prisma/client";
import { jobIdFor } from "../../queue/contracts";
import { queues as defaultQueues, type QueueSet } from "../../queue/queues";

// On worker start: every dataset whose latest revision is not analysed gets its analysis requested again
// (a lost Redis, a crash mid-analysis, or the sample dataset, created at first start with no analysis).
// The job id is per revision: a job still waiting is left alone; a finished one (it failed, or completed on
// a revision that moved on before it could mark it) is removed first, since BullMQ would dedupe it.

export type StaleAnalysis = { datasetId: string; revision: number; outcome: "enqueued" | "present" | "requeued" };

export async function requestStaleAnalyses(opts: { db: PrismaClient; queues?: QueueSet }): Promise<StaleAnalysis[]> {
  const q = opts.queues ?? defaultQueues();
  const stale = await opts.db.$queryRawUnsafe<{ id: string; revision: number }[]>(
    `SELECT id, revision FROM datasets WHERE analyzed_revision IS NULL OR analyzed_revision < revision ORDER BY updated_at DESC`,
  );
  const out: StaleAnalysis[] = [];
  for (const d of stale) {
    const payload = { datasetId: d.id, revision: d.revision };
    const existing = await q.get("datasets").getJob(jobIdFor("datasets", "datasets.analyze", payload)!);
    let outcome: StaleAnalysis["outcome"] = "enqueued";
    if (existing) {
      const state = await existing.getState();
      if (state !== "completed" && state !== "failed" && state !== "unknown") {
        out.push({ ...payload, outcome: "present" });
        continue;
      }
      if (state !== "unknown") {
        await existing.remove();
        outcome = "requeued";
      }
    }
    await q.enqueue("datasets", "datasets.analyze", payload);
    out.push({ ...payload, outcome });
  }
  return out;
}
