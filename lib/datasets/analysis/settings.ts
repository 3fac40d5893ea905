import type { PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { transactionWithRetry } from "../../db/conflict";
import { HttpError, notFound } from "../../http/errors";
import { listPrices } from "../../pricing/list";
import type { QueueSet } from "../../queue/queues";
import { markDatasetChanged, requestAnalysis } from "../rows/changed";
import { parseCountModel } from "./count-model";

// Editing a dataset's own fields. Changing the count model invalidates every stored token count: in the same
// transaction all counts are cleared and the revision bumped, then the analysis recounts with the new tokenizer.

export type DatasetSettings = { name?: string; description?: string; countModel?: string };

export type UpdatedDataset = { id: string; name: string; description: string; countModel: string; revision: number; recount: boolean };

export async function updateDatasetSettings(opts: {
  id: string;
  changes: DatasetSettings;
  db?: PrismaClient;
  /** The queues the recount is requested on (tests pass their own prefix); the process-wide set otherwise. */
  queues?: QueueSet;
}): Promise<UpdatedDataset> {
  const db = opts.db ?? prisma();
  const current = await db.dataset.findUnique({ where: { id: opts.id }, select: { countModel: true, name: true } });
  if (!current) throw notFound("Dataset");
  const { name, description } = opts.changes;
  let countModel = opts.changes.countModel?.trim();
  if (countModel !== undefined) {
    // Models the user added to the price table count too (with the tokenizer of their family).
    const extra = (await listPrices({ db })).prices.map((p) => p.model);
    try {
      countModel = parseCountModel(countModel, extra).model;
    } catch (err) {
      throw new HttpError(400, "unknown_count_model", (err as Error).message, { field: "countModel" });
    }
  }
  if (name !== undefined && name !== current.name) {
    const taken = await db.dataset.findUnique({ where: { name }, select: { id: true } });
    if (taken) throw new HttpError(409, "name_taken", `A dataset named "${name}" already exists; pick another name`, { field: "name" });
  }
  const recount = countModel !== undefined && countModel !== current.countModel;
  const updated = await transactionWithRetry(db, async (tx) => {
    // Example rows before the dataset row, the order every dataset writer locks them in (no deadlock with a bulk edit).
    if (recount) await tx.example.updateMany({ where: { datasetId: opts.id }, data: { tokenCount: null, assistantTokens: null } });
    await tx.dataset.update({ where: { id: opts.id }, data: { name, description, ...(recount ? { countModel, analysisError: null } : {}) } });
    if (recount) await markDatasetChanged(tx, opts.id);
    return tx.dataset.findUniqueOrThrow({ where: { id: opts.id }, select: { id: true, name: true, description: true, countModel: true, revision: true } });
  });
  if (recount) await requestAnalysis(updated.id, updated.revision, { queues: opts.queues });
  return { ...updated, recount };
}
