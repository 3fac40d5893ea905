import type { Prisma, PrismaClient } from "@prisma/client";
import { DATASET_LEVEL_CODES, type IssueColumns } from "../rows/issues";
import type { ThreadRow } from "./thread-protocol";

// The analysis's SQL: ids in table order, rows by id with JSON as text (parsed in the threads), and batched
// writes through unnest() so one statement (one commit) covers a whole batch.

type Db = PrismaClient | Prisma.TransactionClient;

const DATASET_CODES = [...DATASET_LEVEL_CODES];

export async function exampleIdsInOrder(db: Db, datasetId: string): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ id: string }[]>(`SELECT id FROM examples WHERE dataset_id = $1 ORDER BY position, id`, datasetId);
  return rows.map((r) => r.id);
}

export type AnalysisRow = ThreadRow & {
  position: number;
  split: "train" | "validation" | "test";
  tokenCount: number | null;
  contentHash: string;
  /** The row's issues JSON, only when it holds dataset-level findings (the rest need not be read). */
  datasetIssues: string | null;
};

/** Rows by id, returned in table order. */
export async function readRows(db: Db, ids: string[]): Promise<AnalysisRow[]> {
  const rows = await db.$queryRawUnsafe<
    { id: string; position: number; split: AnalysisRow["split"]; kind: AnalysisRow["kind"]; token_count: number | null; assistant_tokens: number | null; content_hash: string; messages: string; tools: string | null; preference: string | null; extra: string | null; issues: string | null }[]
  >(
    `SELECT id, position, split::text AS split, kind::text AS kind, token_count, assistant_tokens, content_hash,
            messages::text AS messages, tools::text AS tools, preference::text AS preference, extra::text AS extra,
            CASE WHEN issue_codes && $2::text[] THEN issues::text END AS issues
       FROM examples WHERE id = ANY($1::text[]) ORDER BY position, id`,
    ids,
    DATASET_CODES,
  );
  return rows.map((r) => ({
    id: r.id,
    position: r.position,
    split: r.split,
    kind: r.kind,
    tokenCount: r.token_count,
    contentHash: r.content_hash,
    messages: r.messages,
    tools: r.tools,
    preference: r.preference,
    extra: r.extra,
    datasetIssues: r.issues,
    // Rows written with a count but no assistant figure (the sample seed) are counted again for it.
    count: r.token_count === null || r.assistant_tokens === null,
  }));
}

/**
 * Writes token counts of one batch. A row edited since it was read has a new content hash (and a null count
 * again): it is left for the next revision's analysis rather than given the old content's count.
 */
export async function writeTokenCounts(db: Db, rows: { id: string; contentHash: string; tokenCount: number; assistantTokens: number }[]): Promise<number> {
  if (rows.length === 0) return 0;
  return db.$executeRawUnsafe(
    `UPDATE examples AS e SET token_count = u.t, assistant_tokens = u.a
       FROM unnest($1::text[], $2::text[], $3::int[], $4::int[]) AS u(id, h, t, a)
      WHERE e.id = u.id AND e.content_hash = u.h`,
    rows.map((r) => r.id),
    rows.map((r) => r.contentHash),
    rows.map((r) => r.tokenCount),
    rows.map((r) => r.assistantTokens),
  );
}

/**
 * Locks and reads the issues of rows about to get new dataset-level findings (inside a transaction). In id
 * order, so two analyses of one dataset (consecutive revisions can overlap) take the locks in the same order.
 */
export async function lockIssues(tx: Db, ids: string[]): Promise<Map<string, unknown>> {
  const rows = await tx.$queryRawUnsafe<{ id: string; issues: unknown }[]>(`SELECT id, issues FROM examples WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`, ids);
  return new Map(rows.map((r) => [r.id, r.issues]));
}

export async function writeIssueColumns(tx: Db, rows: { id: string; columns: IssueColumns }[]): Promise<number> {
  if (rows.length === 0) return 0;
  return tx.$executeRawUnsafe(
    `UPDATE examples AS e
        SET issues = u.issues, error_count = u.errors, warning_count = u.warnings,
            issue_codes = CASE WHEN u.codes = '' THEN '{}'::text[] ELSE string_to_array(u.codes, ',') END
       FROM unnest($1::text[], $2::jsonb[], $3::int[], $4::int[], $5::text[]) AS u(id, issues, errors, warnings, codes)
      WHERE e.id = u.id`,
    rows.map((r) => r.id),
    rows.map((r) => JSON.stringify(r.columns.issues)),
    rows.map((r) => r.columns.errorCount),
    rows.map((r) => r.columns.warningCount),
    rows.map((r) => r.columns.issueCodes.join(",")),
  );
}
