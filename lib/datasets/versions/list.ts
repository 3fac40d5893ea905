import type { PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { notFound } from "../../http/errors";

// Versions as the API shows them: the frozen facts plus how many jobs and evaluations pin each one (a pinned
// version is what those runs trained or scored on, which is why it can never change).

export type VersionSummary = {
  /** The version's own id (what an evaluation names as datasetVersionId). */
  id: string;
  number: number;
  note: string;
  createdAt: string;
  sha256: string;
  exampleCount: number;
  trainCount: number;
  validationCount: number;
  tokenCount: number;
  hasPreference: boolean;
  jobCount: number;
  evalRunCount: number;
};

const select = {
  id: true,
  number: true,
  note: true,
  createdAt: true,
  sha256: true,
  exampleCount: true,
  trainCount: true,
  validationCount: true,
  tokenCount: true,
  hasPreference: true,
  _count: { select: { jobs: true, evalRuns: true } },
} as const;

type Row = { createdAt: Date; _count: { jobs: number; evalRuns: number } } & Omit<VersionSummary, "createdAt" | "jobCount" | "evalRunCount">;

function summary({ _count, createdAt, ...row }: Row): VersionSummary {
  return { ...row, createdAt: createdAt.toISOString(), jobCount: _count.jobs, evalRunCount: _count.evalRuns };
}

async function assertDataset(db: PrismaClient, datasetId: string) {
  const dataset = await db.dataset.findUnique({ where: { id: datasetId }, select: { id: true, name: true } });
  if (!dataset) throw notFound("Dataset");
  return dataset;
}

/** Every version of a dataset, newest first. */
export async function listVersions(datasetId: string, opts: { db?: PrismaClient } = {}): Promise<VersionSummary[]> {
  const db = opts.db ?? prisma();
  await assertDataset(db, datasetId);
  const rows = await db.datasetVersion.findMany({ where: { datasetId }, orderBy: { number: "desc" }, select });
  return rows.map(summary);
}

export async function getVersion(datasetId: string, number: number, opts: { db?: PrismaClient } = {}): Promise<VersionSummary> {
  const db = opts.db ?? prisma();
  await assertDataset(db, datasetId);
  const row = await db.datasetVersion.findUnique({ where: { datasetId_number: { datasetId, number } }, select });
  if (!row) throw notFound(`Version ${number}`);
  return summary(row);
}

/** The stored row of a version (file paths included), for export and diff. */
export async function versionFiles(datasetId: string, number: number, opts: { db?: PrismaClient } = {}) {
  const db = opts.db ?? prisma();
  const dataset = await assertDataset(db, datasetId);
  const row = await db.datasetVersion.findUnique({ where: { datasetId_number: { datasetId, number } } });
  if (!row) throw notFound(`Version ${number} of "${dataset.name}"`);
  return { dataset, version: row };
}
