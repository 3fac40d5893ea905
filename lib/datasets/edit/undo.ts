import type { PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { transactionWithRetry } from "../../db/conflict";
import { HttpError } from "../../http/errors";
import { markDatasetChanged, requestAnalysis } from "../rows/changed";
import { BULK_TX } from "./bulk";

// Undo of a bulk action: puts back exactly what the batch recorded (deleted rows with their ids, positions,
// content, findings and token counts; or each row's previous tags, split and manual flag). A batch is used once.

export type UndoResult = { kind: string; restored: number };

const gone = () =>
  new HttpError(404, "undo_not_found", "Nothing to undo: this action was already undone, or its undo was never recorded for this dataset.");
const expired = () => new HttpError(410, "undo_expired", "This action can no longer be undone: undo lasts 24 hours after the action.");

export async function undoBatch(opts: { datasetId: string; batchId: string; db?: PrismaClient; now?: Date }): Promise<UndoResult> {
  const db = opts.db ?? prisma();
  const now = opts.now ?? new Date();
  const outcome = await transactionWithRetry(db, async (tx) => {
    // Locks the batch, so two clicks on Undo cannot restore twice.
    // Parts of a big delete are not undone on their own: only the head batch the action returned.
    const [batch] = await tx.$queryRaw<{ id: string; kind: string; expires_at: Date; parts: string[] }[]>`
      SELECT id, kind, expires_at, ARRAY(SELECT jsonb_array_elements_text(COALESCE(payload->'parts', '[]'::jsonb))) AS parts
      FROM undo_batches WHERE id = ${opts.batchId} AND dataset_id = ${opts.datasetId} AND kind <> 'delete_part' FOR UPDATE`;
    if (!batch) throw gone();
    const batchIds = [batch.id, ...batch.parts];
    if (batch.expires_at.getTime() < now.getTime()) {
      await tx.undoBatch.deleteMany({ where: { id: { in: batchIds } } });
      return { expired: true as const };
    }
    const restored =
      batch.kind === "delete"
        ? // Same ids, positions, timestamps and every other column, as they were when deleted.
          await tx.$executeRaw`
            INSERT INTO examples
            SELECT r.* FROM undo_batches b, jsonb_populate_recordset(NULL::examples, b.payload->'rows') r
            WHERE b.id = ANY(${batchIds}::text[]) AND b.dataset_id = ${opts.datasetId} AND r.dataset_id = ${opts.datasetId}
            ON CONFLICT (id) DO NOTHING`
        : await tx.$executeRaw`
            UPDATE examples e SET
              tags = ARRAY(SELECT jsonb_array_elements_text(r->'tags')),
              split = (r->>'split')::"split",
              split_manual = (r->>'splitManual')::boolean,
              updated_at = (now() AT TIME ZONE 'UTC')
            FROM undo_batches b, jsonb_array_elements(b.payload->'rows') r
            WHERE b.id = ${batch.id} AND e.id = r->>'id' AND e.dataset_id = ${opts.datasetId}`;
    await tx.undoBatch.deleteMany({ where: { id: { in: batchIds } } });
    const revision = await markDatasetChanged(tx, opts.datasetId);
    return { expired: false as const, result: { kind: batch.kind, restored }, revision };
  }, BULK_TX);
  // The expired batch is deleted (committed) and then refused.
  if (outcome.expired) throw expired();
  await requestAnalysis(opts.datasetId, outcome.revision);
  return outcome.result;
}
