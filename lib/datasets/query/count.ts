import { Prisma, type PrismaClient } from "@prisma/client";
import type { ExampleFilters } from "./params";
import { andSql, indexedConditions, whereConditions } from "./sql";

// How many rows match. Every filter but the search is answered from indexes, so those totals are exact.
// A search has to read each candidate's text (ILIKE recheck, ~3 µs a row): counting a common word over
// 100k rows exactly costs 150–350 ms. So a search counts exactly up to SEARCH_COUNT_CAP matches and, past
// that, estimates: it walks the matches in position order until the (cap+1)-th one, measures how many of
// the filtered rows it had to pass to get there, and scales that density to all of them.

export const SEARCH_COUNT_CAP = 1000;

/** `ids`: for a search with an exact count, the matching rows (at most SEARCH_COUNT_CAP), so the page reads them
 * by id instead of running the search a second time. */
export type MatchTotal = { total: number; exact: boolean; ids?: string[] };

export async function countMatches(db: PrismaClient, datasetId: string, f: ExampleFilters): Promise<MatchTotal> {
  const all = andSql(whereConditions(datasetId, f));
  if (!f.q) {
    const [r] = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM examples e WHERE ${all}`;
    return { total: r?.n ?? 0, exact: true };
  }
  const [capped] = await db.$queryRaw<{ n: number; last: number | null; ids: string[] | null }[]>`
    SELECT count(*)::int AS n, max(s.position) AS last, array_agg(s.id) AS ids
    FROM (SELECT e.id, e.position FROM examples e WHERE ${all} ORDER BY e.position LIMIT ${SEARCH_COUNT_CAP + 1}) s`;
  if (!capped || capped.n <= SEARCH_COUNT_CAP || capped.last === null) return { total: capped?.n ?? 0, exact: true, ids: capped?.ids ?? [] };
  const [base] = await db.$queryRaw<{ all: number; passed: number }[]>(Prisma.sql`
    SELECT count(*)::int AS all, count(*) FILTER (WHERE e.position <= ${capped.last})::int AS passed
    FROM examples e WHERE ${andSql(indexedConditions(datasetId, f))}`);
  if (!base || base.passed === 0) return { total: capped.n, exact: false };
  const estimate = Math.round((capped.n / base.passed) * base.all);
  return { total: Math.min(base.all, Math.max(capped.n, estimate)), exact: false };
}
