import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";

// The header of a dataset page: identity and totals. Rows are read page by page through the examples query.

export type DatasetDetail = {
  id: string;
  name: string;
  description: string;
  isSample: boolean;
  updatedAt: string;
  exampleCount: number;
  validationCount: number;
  tokenCount: number;
  countModel: string;
  revision: number;
  analyzedRevision: number | null;
};

/** A dataset with its totals, or null when it does not exist. */
export async function getDataset(opts: { id: string; db?: PrismaClient }): Promise<DatasetDetail | null> {
  const db = opts.db ?? prisma();
  const dataset = await db.dataset.findUnique({ where: { id: opts.id } });
  if (!dataset) return null;
  const groups = await db.example.groupBy({
    by: ["split"],
    where: { datasetId: dataset.id },
    _count: { _all: true },
    _sum: { tokenCount: true },
  });
  return {
    id: dataset.id,
    name: dataset.name,
    description: dataset.description,
    isSample: dataset.isSample,
    updatedAt: dataset.updatedAt.toISOString(),
    exampleCount: groups.reduce((n, g) => n + g._count._all, 0),
    validationCount: groups.find((g) => g.split === "validation")?._count._all ?? 0,
    tokenCount: groups.reduce((n, g) => n + (g._sum.tokenCount ?? 0), 0),
    countModel: dataset.countModel,
    revision: dataset.revision,
    analyzedRevision: dataset.analyzedRevision,
  };
}
