import type { Prisma, PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { HttpError } from "../http/errors";
import { evalCursorAfter, evalRunsAfter, parseEvalCursor } from "./list-cursor";
import { EVAL_STATUSES, type EvalStatusName } from "./statuses";
import type { EvalRunView } from "./types";
import { EVAL_RUN_INCLUDE, evalProgress, toEvalRunView } from "./view";

// The evaluations list (page, GET /api/evals, `tuneforge eval list`): newest first, filtered on the server, a page at
// a time (list-cursor.ts: `before` is the cursor of the last run a page showed).

export { EVAL_STATUSES, type EvalStatusName };

export type EvalListFilters = {
  jobId?: string;
  sweepId?: string;
  status?: EvalStatusName[];
  /** Default 200, at most 1000. */
  limit?: number;
  /** The runs after this cursor (a page's `older`). */
  before?: string;
};

export type EvalListPage = {
  runs: EvalRunView[];
  /** Every run that matches the filters, on this page and on others. */
  total: number;
  /** How many matching runs the newer pages hold (0 on the first page). */
  newer: number;
  /** The cursor of the next (older) page, or null on the last page. */
  older: string | null;
};

/** One page of the list, with how many runs match in all and where the page stands among them. */
export async function listEvalRunsPage(filters: EvalListFilters = {}, deps: { db?: PrismaClient } = {}): Promise<EvalListPage> {
  const db = deps.db ?? prisma();
  const where: Prisma.EvalRunWhereInput = {};
  if (filters.jobId) where.jobId = filters.jobId;
  if (filters.sweepId) where.sweepId = filters.sweepId;
  if (filters.status?.length) where.status = { in: filters.status };
  const key = filters.before === undefined ? null : parseEvalCursor(filters.before);
  if (filters.before !== undefined && !key)
    throw new HttpError(400, "bad_cursor", `before: "${filters.before}" is not an evaluations-list cursor; pass the "older" value of a page you listed`);
  const limit = Math.min(filters.limit ?? 200, 1000);
  const after = key ? { AND: [where, evalRunsAfter(key)] } : where;
  // One row past the page says whether an older page exists; the runs up to the cursor are the total less those after
  // it (a negated clause would lose the runs without a step: NOT of a comparison with null is null in SQL).
  const [rows, total, remaining] = await Promise.all([
    db.evalRun.findMany({
      where: after,
      // A sweep's runs share a creation instant; checkpoint step keeps them in training order.
      orderBy: [{ createdAt: "desc" }, { checkpointStep: "asc" }, { id: "desc" }],
      take: limit + 1,
      include: EVAL_RUN_INCLUDE,
    }),
    db.evalRun.count({ where }),
    key ? db.evalRun.count({ where: after }) : null,
  ]);
  const shown = rows.slice(0, limit);
  const progress = await evalProgress(db, shown.map((r) => r.id));
  return {
    runs: shown.map((r) => toEvalRunView(r, progress.get(r.id))),
    total,
    newer: remaining === null ? 0 : total - remaining,
    older: rows.length > limit ? evalCursorAfter(shown.at(-1)!) : null,
  };
}
