import type { Prisma, PrismaClient } from "@prisma/client";
import { queues as defaultQueues, type QueueSet } from "../../queue/queues";

// Every change to a dataset's examples (import, edit, bulk action, undo, split) calls markDatasetChanged in
// the same transaction as the change, then requestAnalysis after it commits. The analysis job (tokens,
// duplicates, leakage) keys on the revision, so a burst of edits ends with one analysis of the latest rows.

type Tx = Prisma.TransactionClient | PrismaClient;

/** Bumps Dataset.revision (and updatedAt); returns the new revision. Call inside the change's transaction. */
export async function markDatasetChanged(tx: Tx, datasetId: string): Promise<number> {
  const { revision } = await tx.dataset.update({
    where: { id: datasetId },
    data: { revision: { increment: 1 } },
    select: { revision: true },
  });
  return revision;
}

/**
 * Enqueues the analysis of `revision` (idempotent: one BullMQ job per dataset revision). A Redis outage
 * must not fail the user's edit, which is already committed: the reconciler/next change re-requests it.
 */
export async function requestAnalysis(datasetId: string, revision: number, opts: { queues?: QueueSet; onError?: (err: Error) => void } = {}): Promise<void> {
  try {
    await (opts.queues ?? defaultQueues()).enqueue("datasets", "datasets.analyze", { datasetId, revision });
  } catch (err) {
    (opts.onError ?? ((e) => console.error(`[datasets] could not enqueue analysis of ${datasetId} r${revision}: ${e.message}`)))(err as Error);
  }
}
