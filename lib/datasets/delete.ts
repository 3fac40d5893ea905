import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { HttpError, notFound } from "../http/errors";

/**
 * Deletes a dataset and its examples. A dataset with frozen versions is kept: jobs and evaluations
 * pin those versions, and their results would lose the data they were trained on.
 */
export async function deleteDataset(opts: { id: string; db?: PrismaClient }): Promise<{ id: string; name: string }> {
  const db = opts.db ?? prisma();
  const dataset = await db.dataset.findUnique({
    where: { id: opts.id },
    select: { id: true, name: true, _count: { select: { versions: true } } },
  });
  if (!dataset) throw notFound("Dataset");
  if (dataset._count.versions > 0) {
    throw new HttpError(
      409,
      "dataset_has_versions",
      `"${dataset.name}" has ${dataset._count.versions} frozen version(s) used for training or evaluation, so it cannot be deleted.`,
    );
  }
  // Examples go with it (onDelete: Cascade).
  await db.dataset.delete({ where: { id: dataset.id } });
  return { id: dataset.id, name: dataset.name };
}
