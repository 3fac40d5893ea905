import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";

export type DatasetSummary = {
  id: string;
  name: string;
  description: string;
  isSample: boolean;
  exampleCount: number;
  trainCount: number;
  validationCount: number;
  testCount: number;
  tokenCount: number;
  createdAt: string;
  updatedAt: string;
};

/** Every dataset with its example counts per split and total tokens, newest first. */
export async function listDatasets(opts: { db?: PrismaClient } = {}): Promise<DatasetSummary[]> {
  const db = opts.db ?? prisma();
  const [datasets, groups] = await Promise.all([
    db.dataset.findMany({ orderBy: { updatedAt: "desc" } }),
    // One grouped query for all datasets instead of one count per dataset.
    db.example.groupBy({ by: ["datasetId", "split"], _count: { _all: true }, _sum: { tokenCount: true } }),
  ]);
  return datasets.map((d) => {
    const mine = groups.filter((g) => g.datasetId === d.id);
    const countOf = (split: string) => mine.find((g) => g.split === split)?._count._all ?? 0;
    return {
      id: d.id,
      name: d.name,
      description: d.description,
      isSample: d.isSample,
      exampleCount: mine.reduce((n, g) => n + g._count._all, 0),
      trainCount: countOf("train"),
      validationCount: countOf("validation"),
      testCount: countOf("test"),
      tokenCount: mine.reduce((n, g) => n + (g._sum.tokenCount ?? 0), 0),
      createdAt: d.createdAt.toISOString(),
      updatedAt: d.updatedAt.toISOString(),
    };
  });
}
