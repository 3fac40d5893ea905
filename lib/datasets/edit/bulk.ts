import { Prisma, type PrismaClient } from "@prisma/client";
import { z } from "zod";
import { prisma } from "../../db/client";
import { transactionWithRetry } from "../../db/conflict";
import { badRequest, notFound } from "../../http/errors";
import { markDatasetChanged, requestAnalysis } from "../rows/changed";
import { normalizeTags, SPLITS, tagsShape } from "./shape";

// Bulk actions on the table's selection. Each runs as set-based SQL in one transaction (10k rows in well under a
// second) and first stores in an UndoBatch what undo needs: the whole deleted rows, or the tags/split each row had.

export const MAX_BULK_IDS = 100_000;
export const UNDO_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** ~2,000 whole rows (a few kB each) keep every undo payload far below Postgres's 255 MB jsonb limit. */
export const DELETE_PART_ROWS = 2_000;
// Big selections write big undo payloads; Prisma's default 5 s transaction timeout is for small writes.
export const BULK_TX = { timeout: 120_000, maxWait: 10_000 } as const;

export const bulkActionShape = z
  .strictObject({
    ids: z
      .array(z.string().min(1), { error: "ids must be a list of example ids" })
      .min(1, { error: "select at least one example" })
      .max(MAX_BULK_IDS, { error: `at most ${MAX_BULK_IDS.toLocaleString("en-US")} examples per action; narrow the selection` }),
    action: z.enum(["delete", "tag", "untag", "set_split"], { error: "action must be delete, tag, untag or set_split" }),
    tags: tagsShape.optional(),
    split: z.enum(SPLITS, { error: "split must be train, validation or test" }).optional(),
  })
  .superRefine((b, ctx) => {
    if ((b.action === "tag" || b.action === "untag") && normalizeTags(b.tags ?? []).length === 0) {
      ctx.addIssue({ code: "custom", path: ["tags"], message: `give at least one non-empty tag to ${b.action === "tag" ? "add" : "remove"}` });
    }
    if (b.action === "set_split" && !b.split) ctx.addIssue({ code: "custom", path: ["split"], message: "choose the split to set: train, validation or test" });
  });

export type BulkActionInput = z.infer<typeof bulkActionShape>;
export type BulkResult = { affected: number; undo: { batchId: string; expiresAt: string } };

type Tx = Prisma.TransactionClient;

/** Refuses the whole action when any id is not an example of this dataset (nothing is changed). */
async function assertAllInDataset(tx: Tx, datasetId: string, ids: string[]): Promise<void> {
  const [{ count }] = await tx.$queryRaw<[{ count: number }]>`
    SELECT count(*)::int AS count FROM examples WHERE dataset_id = ${datasetId} AND id = ANY(${ids}::text[])`;
  if (count !== ids.length) {
    throw badRequest(`${ids.length - count} of the ${ids.length} selected ids are not examples of this dataset (deleted meanwhile, or from another dataset); reload the table and select again`, {
      missing: ids.length - count,
    });
  }
}

/** What undo needs, captured in SQL so the rows never travel through Node. */
function payloadSql(action: BulkActionInput["action"], datasetId: string, ids: string[]): Prisma.Sql {
  const where = Prisma.sql`WHERE e.dataset_id = ${datasetId} AND e.id = ANY(${ids}::text[])`;
  if (action === "delete") {
    return Prisma.sql`SELECT jsonb_build_object('rows', COALESCE(jsonb_agg(to_jsonb(e) ORDER BY e.position), '[]'::jsonb)) FROM examples e ${where}`;
  }
  return Prisma.sql`SELECT jsonb_build_object('rows', COALESCE(jsonb_agg(jsonb_build_object('id', e.id, 'tags', to_jsonb(e.tags), 'split', e.split, 'splitManual', e.split_manual)), '[]'::jsonb)) FROM examples e ${where}`;
}

// Prisma writes DateTime columns as UTC wall time in `timestamp without time zone`; raw SQL does the same.
const NOW_UTC = Prisma.sql`(now() AT TIME ZONE 'UTC')`;

function actionSql(input: BulkActionInput, datasetId: string, ids: string[]): Prisma.Sql {
  const where = Prisma.sql`WHERE e.dataset_id = ${datasetId} AND e.id = ANY(${ids}::text[])`;
  const tags = normalizeTags(input.tags ?? []);
  switch (input.action) {
    case "delete":
      return Prisma.sql`DELETE FROM examples e ${where}`;
    case "tag":
      // Appends the tags a row lacks, in the order given, so existing tags keep their order.
      return Prisma.sql`UPDATE examples e SET tags = e.tags || ARRAY(
          SELECT t FROM unnest(${tags}::text[]) WITH ORDINALITY AS u(t, o) WHERE NOT (t = ANY(e.tags)) ORDER BY o),
        updated_at = ${NOW_UTC} ${where}`;
    case "untag":
      return Prisma.sql`UPDATE examples e SET tags = ARRAY(
          SELECT t FROM unnest(e.tags) WITH ORDINALITY AS u(t, o) WHERE NOT (t = ANY(${tags}::text[])) ORDER BY o),
        updated_at = ${NOW_UTC} ${where}`;
    case "set_split":
      // Set by hand: a later re-split by ratio keeps it.
      return Prisma.sql`UPDATE examples e SET split = ${input.split}::"split", split_manual = true, updated_at = ${NOW_UTC} ${where}`;
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function bulkAction(opts: {
  datasetId: string;
  input: BulkActionInput;
  db?: PrismaClient;
  now?: Date;
  /** Rows per undo batch of a delete; tests lower it to exercise the split. */
  deletePartRows?: number;
}): Promise<BulkResult> {
  const db = opts.db ?? prisma();
  const input = bulkActionShape.parse(opts.input);
  const ids = [...new Set(input.ids)];
  const now = opts.now ?? new Date();
  const { result, revision } = await transactionWithRetry(db, async (tx) => {
    const dataset = await tx.dataset.findUnique({ where: { id: opts.datasetId }, select: { id: true } });
    if (!dataset) throw notFound("Dataset");
    await assertAllInDataset(tx, opts.datasetId, ids);
    // Expired batches of every dataset go whenever a new one is written, so the table never grows unbounded.
    await tx.undoBatch.deleteMany({ where: { expiresAt: { lt: now } } });
    const expiresAt = new Date(now.getTime() + UNDO_LIFETIME_MS);
    // Deleted rows are kept whole, so a big delete is spread over "delete_part" batches of DELETE_PART_ROWS rows
    // (one jsonb value is capped at 255 MB); the head batch lists them and undo restores all of them.
    const chunks = input.action === "delete" ? chunk(ids, opts.deletePartRows ?? DELETE_PART_ROWS) : [ids];
    const parts: string[] = [];
    for (const part of chunks.slice(1)) {
      const row = await tx.undoBatch.create({ data: { datasetId: opts.datasetId, kind: "delete_part", payload: {}, createdAt: now, expiresAt } });
      await tx.$executeRaw`UPDATE undo_batches SET payload = (${payloadSql("delete", opts.datasetId, part)}) WHERE id = ${row.id}`;
      parts.push(row.id);
    }
    const batch = await tx.undoBatch.create({ data: { datasetId: opts.datasetId, kind: input.action, payload: {}, createdAt: now, expiresAt } });
    await tx.$executeRaw`UPDATE undo_batches SET payload = (${payloadSql(input.action, opts.datasetId, chunks[0]!)}) || jsonb_build_object('parts', ${parts}::text[]) WHERE id = ${batch.id}`;
    const affected = await tx.$executeRaw(actionSql(input, opts.datasetId, ids));
    const revision = await markDatasetChanged(tx, opts.datasetId);
    return { result: { affected, undo: { batchId: batch.id, expiresAt: batch.expiresAt.toISOString() } }, revision };
  }, BULK_TX);
  await requestAnalysis(opts.datasetId, revision);
  return result;
}

/** Deletes one example (undoable like a bulk delete). */
export function deleteExample(opts: { datasetId: string; exampleId: string; db?: PrismaClient }): Promise<BulkResult> {
  return bulkAction({ datasetId: opts.datasetId, input: { ids: [opts.exampleId], action: "delete" }, db: opts.db });
}
