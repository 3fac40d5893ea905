import type { PrismaClient } from "@prisma/client";
import { getDatasetStats } from "../datasets/stats/stats";
import { datasetGuide, type DatasetGuide, type GuideFacts } from "./guide";

export type DatasetGuideAnswer = DatasetGuide & { datasetId: string; facts: Pick<GuideFacts, "examples" | "splits" | "withErrors" | "distinctTags" | "untagged"> };

/** The guide for one dataset from its current statistics; null when the dataset does not exist. */
export async function guideForDataset(opts: { datasetId: string; db?: PrismaClient }): Promise<DatasetGuideAnswer | null> {
  const stats = await getDatasetStats({ datasetId: opts.datasetId, db: opts.db });
  if (!stats) return null;
  const { examples, splits, withErrors, distinctTags, untagged } = stats;
  return { datasetId: stats.datasetId, facts: { examples, splits, withErrors, distinctTags, untagged }, ...datasetGuide(stats) };
}
