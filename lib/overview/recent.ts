import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";

// Read-only lists for the Jobs and Evaluations pages until their full views (launch forms, live
// curves, side-by-side comparison) are built on top of the jobs and eval modules.

export type JobListItem = {
  id: string;
  provider: string;
  status: string;
  baseModel: string;
  fineTunedModel: string | null;
  datasetName: string | null;
  datasetVersion: number | null;
  errorMessage: string | null;
  createdAt: string;
};

export type EvalListItem = {
  id: string;
  name: string;
  status: string;
  candidateSpec: string;
  baselineSpec: string;
  datasetName: string;
  createdAt: string;
};

export async function listRecentJobs(opts: { db?: PrismaClient; limit?: number } = {}): Promise<JobListItem[]> {
  const db = opts.db ?? prisma();
  const jobs = await db.fineTuneJob.findMany({
    orderBy: { createdAt: "desc" },
    take: opts.limit ?? 100,
    include: { datasetVersion: { select: { number: true, dataset: { select: { name: true } } } } },
  });
  return jobs.map((j) => ({
    id: j.id,
    provider: j.provider,
    status: j.status,
    baseModel: j.baseModel,
    fineTunedModel: j.fineTunedModel,
    datasetName: j.datasetVersion?.dataset.name ?? null,
    datasetVersion: j.datasetVersion?.number ?? null,
    errorMessage: j.errorMessage,
    createdAt: j.createdAt.toISOString(),
  }));
}

export async function listRecentEvalRuns(opts: { db?: PrismaClient; limit?: number } = {}): Promise<EvalListItem[]> {
  const db = opts.db ?? prisma();
  const runs = await db.evalRun.findMany({
    orderBy: { createdAt: "desc" },
    take: opts.limit ?? 100,
    include: { datasetVersion: { select: { number: true, dataset: { select: { name: true } } } } },
  });
  return runs.map((r) => ({
    id: r.id,
    name: r.name,
    status: r.status,
    candidateSpec: r.candidateSpec,
    baselineSpec: r.baselineSpec,
    datasetName: `${r.datasetVersion.dataset.name} v${r.datasetVersion.number}`,
    createdAt: r.createdAt.toISOString(),
  }));
}
