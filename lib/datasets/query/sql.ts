import { Prisma } from "@prisma/client";
import { MIN_SEARCH_WORD, searchWords, type ExampleFilters, type SortDir, type SortKey } from "./params";

// SQL pieces of the examples query, built only from Prisma.sql templates: user text always travels as a
// bound parameter, and column names come from the fixed maps below, never from input.

const DUPLICATE_CODES = ["exact_duplicate", "near_duplicate"];

/** Escapes LIKE wildcards so a search for "50%" or "snake_case" matches those characters literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Search runs on example_search (the examples' text under a trigram index, kept off the examples table so
 * imports and edits stay fast; see lib/datasets/rows/search-index.ts): every word must appear, any case. Rows
 * the analysis has not indexed yet are not found until it has. One EXISTS for all words lets the planner
 * either start from the trigram index (few matches) or probe a row's entry by id while walking a sort index
 * (many matches, first page found quickly).
 */
function searchCondition(q: string): Prisma.Sql[] {
  const words = searchWords(q);
  if (!words.length) return [];
  const tests = words.map((word) =>
    word.length >= MIN_SEARCH_WORD
      ? // ILIKE '%word%' is what the pg_trgm GIN index on example_search.text accelerates.
        Prisma.sql`s.text ILIKE ${`%${escapeLike(word)}%`}`
      : // A 1–2 character word has no trigram: written as strpos so the planner cannot pick the trigram index
        // for it (a GIN scan without trigrams reads the whole index); it only narrows rows a longer word found.
        Prisma.sql`strpos(lower(s.text), ${word.toLowerCase()}) > 0`,
  );
  return [Prisma.sql`EXISTS (SELECT 1 FROM example_search s WHERE s.example_id = e.id AND ${Prisma.join(tests, " AND ")})`];
}

/** WHERE conditions for a dataset's rows under the filters (joined with AND). */
export function whereConditions(datasetId: string, f: ExampleFilters): Prisma.Sql[] {
  return [...indexedConditions(datasetId, f), ...(f.q ? searchCondition(f.q) : [])];
}

/** The conditions every filter but the search adds: all answered from indexes, so counting them is cheap. */
export function indexedConditions(datasetId: string, f: ExampleFilters): Prisma.Sql[] {
  const where: Prisma.Sql[] = [Prisma.sql`e.dataset_id = ${datasetId}`];
  if (f.split) where.push(Prisma.sql`e.split = ${f.split}::"split"`);
  // Array containment (@>) and overlap (&&) use the GIN indexes on tags and issue_codes.
  if (f.tag) where.push(Prisma.sql`e.tags @> ARRAY[${f.tag}]::text[]`);
  if (f.code) where.push(Prisma.sql`e.issue_codes @> ARRAY[${f.code}]::text[]`);
  if (f.duplicates) where.push(Prisma.sql`e.issue_codes && ${DUPLICATE_CODES}::text[]`);
  if (f.status === "errors") where.push(Prisma.sql`e.error_count > 0`);
  if (f.status === "warnings") where.push(Prisma.sql`e.warning_count > 0`);
  if (f.status === "clean") where.push(Prisma.sql`e.error_count = 0 AND e.warning_count = 0`);
  // A token range only matches counted rows (token_count IS NULL fails both comparisons).
  if (f.minTokens !== undefined) where.push(Prisma.sql`e.token_count >= ${f.minTokens}`);
  if (f.maxTokens !== undefined) where.push(Prisma.sql`e.token_count <= ${f.maxTokens}`);
  return where;
}

export function whereSql(datasetId: string, f: ExampleFilters): Prisma.Sql {
  return Prisma.sql`WHERE ${Prisma.join(whereConditions(datasetId, f), " AND ")}`;
}

export function andSql(conditions: Prisma.Sql[]): Prisma.Sql {
  return Prisma.join(conditions, " AND ");
}

const SORT_COLUMNS: Record<SortKey, Prisma.Sql[]> = {
  position: [],
  tokens: [Prisma.sql`e.token_count`],
  prompt: [Prisma.sql`e.prompt_preview`],
  reply: [Prisma.sql`e.reply_preview`],
  messages: [Prisma.sql`e.message_count`],
  issues: [Prisma.sql`e.error_count`, Prisma.sql`e.warning_count`],
  split: [Prisma.sql`e.split`],
  updated: [Prisma.sql`e.updated_at`],
};

/**
 * ORDER BY the sort key, then position, then id, all in one direction: the order is total (pages never
 * overlap or skip rows) and a descending sort is a backward walk of the same (dataset_id, key, position, id)
 * index. Uncounted tokens (NULL) sort as largest, Postgres' default, which keeps that index usable.
 */
export function orderBySql(sort: SortKey, dir: SortDir): Prisma.Sql {
  const direction = dir === "desc" ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  const keys = [...SORT_COLUMNS[sort], Prisma.sql`e.position`, Prisma.sql`e.id`];
  return Prisma.sql`ORDER BY ${Prisma.join(
    keys.map((k) => Prisma.sql`${k} ${direction}`),
    ", ",
  )}`;
}
