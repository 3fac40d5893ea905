import type { Prisma, PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { HttpError } from "../http/errors";
import { cursorAfter, parseCursor, rowsAfter } from "../db/newest-first";
import type { JobStatusName, JobSummary } from "./types";
import { JOB_SUMMARY_INCLUDE, latestProgress, toJobSummary } from "./view";

// The jobs list (page, GET /api/jobs, `tuneforge jobs list`): newest first, filtered on the server, a page at a time
// (lib/db/newest-first.ts: `before` is the cursor of the last job a page showed).

export type JobListFilters = {
  status?: JobStatusName[];
  provider?: "openai" | "local";
  /** Substring of the base model or fine-tuned model name, case-insensitive. */
  model?: string;
  datasetId?: string;
  /** Default 200, at most 1000. */
  limit?: number;
  /** The jobs after this cursor (a page's `older`). */
  before?: string;
};

export type JobListPage = {
  jobs: JobSummary[];
  /** Every job that matches the filters, on this page and on others. */
  total: number;
  /** How many matching jobs the newer pages hold (0 on the first page). */
  newer: number;
  /** The cursor of the next (older) page, or null on the last page. */
  older: string | null;
};

const LIMIT = { default: 200, max: 1000 } as const;

const badCursor = (cursor: string) =>
  new HttpError(400, "bad_cursor", `before: "${cursor}" is not a jobs-list cursor; pass the "older" value of a page you listed`);

function filtersWhere(filters: JobListFilters): Prisma.FineTuneJobWhereInput {
  const where: Prisma.FineTuneJobWhereInput = {};
  if (filters.status?.length) where.status = { in: filters.status };
  if (filters.provider) where.provider = filters.provider;
  if (filters.datasetId) where.datasetVersion = { datasetId: filters.datasetId };
  if (filters.model) {
    where.OR = [
      { baseModel: { contains: filters.model, mode: "insensitive" } },
      { fineTunedModel: { contains: filters.model, mode: "insensitive" } },
    ];
  }
  return where;
}

/** The query a page asks: what matches the filters, and of that what lies after the cursor (null on the first page). */
function pageQuery(filters: JobListFilters) {
  const where = filtersWhere(filters);
  const key = filters.before === undefined ? null : parseCursor(filters.before);
  if (filters.before !== undefined && !key) throw badCursor(filters.before);
  return { where, after: key ? { AND: [where, rowsAfter(key)] } : null, limit: Math.min(filters.limit ?? LIMIT.default, LIMIT.max) };
}

/** The page's jobs and the next page's cursor; counts nothing. */
async function findJobs(db: PrismaClient, q: ReturnType<typeof pageQuery>) {
  // One row past the page says whether an older page exists.
  const rows = await db.fineTuneJob.findMany({ where: q.after ?? q.where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: q.limit + 1, include: JOB_SUMMARY_INCLUDE });
  const shown = rows.slice(0, q.limit);
  const progress = await latestProgress(db, shown.map((r) => r.id));
  return { jobs: shown.map((r) => toJobSummary(r, progress.get(r.id) ?? null)), older: rows.length > q.limit ? cursorAfter(shown.at(-1)!) : null };
}

/** One page of the list, with how many jobs match in all and where the page stands among them. */
export async function listJobsPage(filters: JobListFilters = {}, opts: { db?: PrismaClient } = {}): Promise<JobListPage> {
  const db = opts.db ?? prisma();
  const q = pageQuery(filters);
  // The newer pages hold the matching jobs that are not after the cursor.
  const [{ jobs, older }, total, remaining] = await Promise.all([
    findJobs(db, q),
    db.fineTuneJob.count({ where: q.where }),
    q.after ? db.fineTuneJob.count({ where: q.after }) : null,
  ]);
  return { jobs, total, newer: remaining === null ? 0 : total - remaining, older };
}

/** One page's jobs alone, without the counts (the evaluation form's choice of finished jobs). */
export async function listJobs(filters: JobListFilters = {}, opts: { db?: PrismaClient } = {}): Promise<JobSummary[]> {
  return (await findJobs(opts.db ?? prisma(), pageQuery(filters))).jobs;
}

/** Datasets that at least one job trained on, for the list's dataset filter (name order). */
export async function listJobDatasets(opts: { db?: PrismaClient } = {}): Promise<{ id: string; name: string }[]> {
  const db = opts.db ?? prisma();
  return db.dataset.findMany({
    where: { versions: { some: { jobs: { some: {} } } } },
    select: { id: true, name: true },
    orderBy: { name: "asc" },
  });
}
