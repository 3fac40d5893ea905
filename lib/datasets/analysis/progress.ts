import type { PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { countModelTokenLimit } from "./count-model";

// How far the background analysis is, for the table (token column) and the statistics panel, which poll it
// while `pending`. Field names are an interface with the curation table: keep them.

export type AnalysisProgress = {
  revision: number;
  analyzedRevision: number | null;
  /** The latest revision is not analysed yet and no error stopped it. */
  pending: boolean;
  /** Rows with a token count. */
  counted: number;
  total: number;
  error: string | null;
  countModel: string;
  tokenLimit: number;
};

/** null when the dataset does not exist. */
export async function getAnalysisProgress(opts: { datasetId: string; db?: PrismaClient }): Promise<AnalysisProgress | null> {
  const db = opts.db ?? prisma();
  const dataset = await db.dataset.findUnique({
    where: { id: opts.datasetId },
    select: { revision: true, analyzedRevision: true, analysisError: true, countModel: true },
  });
  if (!dataset) return null;
  // One scan of the dataset's rows (index on dataset_id, token_count) for both figures.
  const [row] = await db.$queryRawUnsafe<{ total: number; counted: number }[]>(
    `SELECT count(*)::int AS total, count(token_count)::int AS counted FROM examples WHERE dataset_id = $1`,
    opts.datasetId,
  );
  const analysed = dataset.analyzedRevision !== null && dataset.analyzedRevision >= dataset.revision;
  return {
    revision: dataset.revision,
    analyzedRevision: dataset.analyzedRevision,
    pending: !analysed && dataset.analysisError === null,
    counted: row?.counted ?? 0,
    total: row?.total ?? 0,
    error: dataset.analysisError,
    countModel: dataset.countModel,
    tokenLimit: countModelTokenLimit(dataset.countModel),
  };
}
