import { Prisma, type PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { badRequest, notFound } from "../../http/errors";
import { countMatches } from "./count";
import { cachedMatchIds, DEEP_SEARCH_OFFSET } from "./match-cache";
import { DEFAULT_LIMIT, MAX_LIMIT, type ExampleFilters, type SortDir, type SortKey } from "./params";
import { orderBySql, whereSql } from "./sql";

// One page of a dataset's examples for the curation table: only the derived columns the table shows
// (never the messages JSON), in a total order, with the number of rows matching the same filters.

export type ExampleRow = {
  id: string;
  position: number;
  kind: "chat" | "preference";
  split: "train" | "validation" | "test";
  splitManual: boolean;
  tags: string[];
  tokenCount: number | null;
  assistantTokens: number | null;
  messageCount: number;
  promptPreview: string;
  replyPreview: string;
  issueCodes: string[];
  errorCount: number;
  warningCount: number;
};

export type ExamplesPage = {
  rows: ExampleRow[];
  /** Rows matching the filters; an estimate when totalExact is false (a search matching many rows, see count.ts). */
  total: number;
  totalExact: boolean;
  offset: number;
  limit: number;
};

export type ListExamplesOptions = {
  datasetId: string;
  offset?: number;
  limit?: number;
  sort?: SortKey;
  dir?: SortDir;
  filters?: ExampleFilters;
  db?: PrismaClient;
};

export async function listExamples(opts: ListExamplesOptions): Promise<ExamplesPage> {
  const db = opts.db ?? prisma();
  const offset = opts.offset ?? 0;
  const limit = opts.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(offset) || offset < 0) throw badRequest("offset: must be a whole number, 0 or more");
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw badRequest(`limit: must be a whole number from 1 to ${MAX_LIMIT}`);
  const filters = opts.filters ?? {};
  const where = whereSql(opts.datasetId, filters);
  const order = orderBySql(opts.sort ?? "position", opts.dir ?? "asc");

  // A search is counted first: when it matches few rows (an exact count), the count hands over their ids and
  // the page reads just those by primary key and sorts them, behind an OFFSET 0 fence, so the text is searched
  // once. Left alone, the planner may instead walk a sort index testing every row's text (5,000 ILIKEs for
  // "VPN" + a tag in the bench). A search that matches many rows keeps the index walk, which finds 50 matches
  // quickly.
  const searchTotal = filters.q ? await countMatches(db, opts.datasetId, filters) : null;
  if (searchTotal && !searchTotal.exact && offset >= DEEP_SEARCH_OFFSET) return deepSearchPage(db, opts.datasetId, filters, where, order, offset, limit);
  const candidates = searchTotal?.ids
    ? Prisma.sql`(SELECT e.id, e.position, e.token_count, e.prompt_preview, e.reply_preview, e.message_count, e.error_count,
                         e.warning_count, e.split, e.updated_at
                  FROM examples e WHERE e.dataset_id = ${opts.datasetId} AND e.id = ANY(${searchTotal.ids}::text[]) OFFSET 0) e`
    : Prisma.sql`examples e ${where}`;

  const [exists, rows, counted] = await Promise.all([
    db.dataset.findUnique({ where: { id: opts.datasetId }, select: { id: true } }),
    // Deferred join: the inner query finds the page's ids (an index-only walk for the plain sorts, however deep
    // the offset), then only those 50 rows are read from the table.
    db.$queryRaw<ExampleRow[]>`
      WITH page AS (SELECT e.id FROM ${candidates} ${order} LIMIT ${limit} OFFSET ${offset})
      SELECT e.id, e.position, e.kind::text AS kind, e.split::text AS split, e.split_manual AS "splitManual", e.tags,
             e.token_count AS "tokenCount", e.assistant_tokens AS "assistantTokens", e.message_count AS "messageCount",
             e.prompt_preview AS "promptPreview", e.reply_preview AS "replyPreview", e.issue_codes AS "issueCodes",
             e.error_count AS "errorCount", e.warning_count AS "warningCount"
      FROM page JOIN examples e ON e.id = page.id ${order}`,
    searchTotal ?? countMatches(db, opts.datasetId, filters),
  ]);
  if (!exists) throw notFound("Dataset");
  return { rows, total: counted.total, totalExact: counted.exact, offset, limit };
}

const PAGE_COLUMNS = Prisma.sql`e.id, e.position, e.kind::text AS kind, e.split::text AS split, e.split_manual AS "splitManual", e.tags,
  e.token_count AS "tokenCount", e.assistant_tokens AS "assistantTokens", e.message_count AS "messageCount",
  e.prompt_preview AS "promptPreview", e.reply_preview AS "replyPreview", e.issue_codes AS "issueCodes",
  e.error_count AS "errorCount", e.warning_count AS "warningCount"`;

/** A page deep into a search matching many rows: a slice of the ordered match list (see match-cache.ts). */
async function deepSearchPage(db: PrismaClient, datasetId: string, filters: ExampleFilters, where: Prisma.Sql, order: Prisma.Sql, offset: number, limit: number): Promise<ExamplesPage> {
  const dataset = await db.dataset.findUnique({ where: { id: datasetId }, select: { revision: true, analyzedRevision: true } });
  if (!dataset) throw notFound("Dataset");
  // order.sql is the ORDER BY text (column names only; no user input), so the key covers sort and direction.
  const key = JSON.stringify([datasetId, dataset.revision, dataset.analyzedRevision, filters, order.sql]);
  const { ids } = await cachedMatchIds(key, async () => (await db.$queryRaw<{ id: string }[]>`SELECT e.id FROM examples e ${where} ${order}`).map((r) => r.id));
  const pageIds = ids.slice(offset, offset + limit);
  const rows = pageIds.length
    ? await db.$queryRaw<ExampleRow[]>`SELECT ${PAGE_COLUMNS} FROM examples e WHERE e.id = ANY(${pageIds}::text[]) ${order}`
    : [];
  // Listing every match also gives the exact total.
  return { rows, total: ids.length, totalExact: true, offset, limit };
}
