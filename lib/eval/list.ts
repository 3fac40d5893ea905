import type { Prisma, PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { EVAL_STATUSES, type EvalStatusName } from "./statuses";
import type { EvalRunView } from "./types";
import { EVAL_RUN_INCLUDE, evalProgress, toEvalRunView } from "./view";

// The evaluations list (page, GET /api/evals, `tuneforge eval list`): newest first, filtered on the server.

export { EVAL_STATUSES, type EvalStatusName };

export type EvalListFilters = {
  jobId?: string;
  sweepId?: string;
  status?: EvalStatusName[];
  /** Default 200, at most 1000. */
  limit?: number;
};

export async function listEvalRuns(filters: EvalListFilters = {}, deps: { db?: PrismaClient } = {}): Promise<EvalRunView[]> {
  const db = deps.db ?? prisma();
  const where: Prisma.EvalRunWhereInput = {};
  if (filters.jobId) where.jobId = filters.jobId;
  if (filters.sweepId) where.sweepId = filters.sweepId;
  if (filters.status?.length) where.status = { in: filters.status };
  const rows = await db.evalRun.findMany({
    where,
    // A sweep's runs share a creation instant; checkpoint step keeps them in training order.
    orderBy: [{ createdAt: "desc" }, { checkpointStep: "asc" }, { id: "desc" }],
    take: Math.min(filters.limit ?? 200, 1000),
    include: EVAL_RUN_INCLUDE,
  });
  const progress = await evalProgress(db, rows.map((r) => r.id));
  return rows.map((r) => toEvalRunView(r, progress.get(r.id)));
}
