import { Prisma, type PrismaClient } from "@prisma/client";

// The curation table searches example_search (text under a trigram index), not examples.search_text: keeping
// the trigram index off the examples table is what lets a 100k-row import and bulk edits stay fast. New rows
// (import, create, undo) get their entry from the background analysis via fillSearchIndex; an edit of an
// existing row refreshes its entry in the same transaction via syncSearchEntry.

type Tx = Prisma.TransactionClient | PrismaClient;

// Large batches: each one re-checks the dataset for rows without an entry; the trigram index insert dominates anyway.
const FILL_BATCH = 25_000;

/**
 * Adds the missing entries of a dataset in batches (each committed on its own, so search covers more rows as it
 * goes) and returns how many were added. Entries of rows edited meanwhile are refreshed by syncSearchEntry.
 */
export async function fillSearchIndex(db: PrismaClient, datasetId: string, opts: { batch?: number } = {}): Promise<number> {
  const batch = opts.batch ?? FILL_BATCH;
  let added = 0;
  for (;;) {
    const n = await db.$executeRaw(Prisma.sql`
      INSERT INTO example_search (example_id, dataset_id, text)
      SELECT e.id, e.dataset_id, e.search_text
      FROM examples e
      WHERE e.dataset_id = ${datasetId}
        AND NOT EXISTS (SELECT 1 FROM example_search s WHERE s.example_id = e.id)
      LIMIT ${batch}
      ON CONFLICT (example_id) DO UPDATE SET text = EXCLUDED.text`);
    added += n;
    if (n < batch) return added;
  }
}

/** Refreshes the entry of one edited row (no-op when it has none yet: the analysis will add it). */
export async function syncSearchEntry(tx: Tx, exampleId: string): Promise<void> {
  await tx.$executeRaw(Prisma.sql`
    UPDATE example_search s SET text = e.search_text
    FROM examples e
    WHERE s.example_id = e.id AND e.id = ${exampleId} AND s.text IS DISTINCT FROM e.search_text`);
}

/** How many rows of a dataset are not searchable yet (for the analysis progress). */
export async function missingSearchEntries(db: PrismaClient, datasetId: string): Promise<number> {
  const [row] = await db.$queryRaw<{ n: bigint }[]>(Prisma.sql`
    SELECT count(*) AS n FROM examples e
    WHERE e.dataset_id = ${datasetId} AND NOT EXISTS (SELECT 1 FROM example_search s WHERE s.example_id = e.id)`);
  return Number(row?.n ?? 0);
}
