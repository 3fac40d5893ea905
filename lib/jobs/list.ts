import type { Prisma, PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import type { JobStatusName, JobSummary } from "./types";
import { JOB_SUMMARY_INCLUDE, latestProgress, toJobSummary } from "./view";

// The jobs list (page, GET /api/jobs, `tuneforge jobs list`): newest first, filtered on the server.

export type JobListFilters = {
  status?: JobStatusName[];
  provider?: "openai" | "local";
  /** Substring of the base model or fine-tuned model name, case-insensitive. */
  model?: string;
  datasetId?: string;
  limit?: number;
};

export async function listJobs(filters: JobListFilters = {}, opts: { db?: PrismaClient } = {}): Promise<JobSummary[]> {
  const db = opts.db ?? prisma();
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
  const rows = await db.fineTuneJob.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: Math.min(filters.limit ?? 200, 1000),
    include: JOB_SUMMARY_INCLUDE,
  });
  const progress = await latestProgress(db, rows.map((r) => r.id));
  return rows.map((r) => toJobSummary(r, progress.get(r.id) ?? null));
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
