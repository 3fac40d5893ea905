import type { PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { notFound } from "../../http/errors";
import type { QueueSet } from "../../queue/queues";
import { requestAnalysis } from "../rows/changed";
import { applySplits, planSplits, type SplitOptions } from "../split";

// The "Split" action of the versions tab: a ratio re-split that keeps rows whose split was set by hand (unless
// the user resets those choices), previewed without writing or applied as one change to the dataset.

export type ResplitInput = SplitOptions & {
  datasetId: string;
  /** Draw every row again and clear the manual marks. */
  resetManual?: boolean;
  /** Answer the counts the split would give, without writing anything. */
  preview?: boolean;
};

export type SplitCounts = { train: number; validation: number; test: number };

export type ResplitResult = {
  /** Drawn rows sent to train / validation, and manual rows left as they were. */
  train: number;
  validation: number;
  kept: number;
  /** Every row's split after the re-split (kept rows included). */
  totals: SplitCounts;
  preview: boolean;
};

async function manualRows(db: PrismaClient, datasetId: string) {
  return db.example.findMany({ where: { datasetId, splitManual: true }, select: { id: true, split: true } });
}

export async function resplitDataset(input: ResplitInput, opts: { db?: PrismaClient; queues?: QueueSet } = {}): Promise<ResplitResult> {
  const db = opts.db ?? prisma();
  const manual = input.resetManual ? [] : await manualRows(db, input.datasetId);
  const keepIds = new Set(manual.map((r) => r.id));
  const split = { datasetId: input.datasetId, validationRatio: input.validationRatio, seed: input.seed, stratifyByTag: input.stratifyByTag, keepIds, db };
  let result: { train: number; validation: number; kept: number };
  if (input.preview) {
    result = await planSplits(split);
  } else {
    const applied = await applySplits({ ...split, resetManual: input.resetManual });
    // After the commit: leakage depends on splits, so the analysis runs again for the new revision.
    await requestAnalysis(input.datasetId, applied.revision, { queues: opts.queues });
    result = applied;
  }
  const totals: SplitCounts = { train: result.train, validation: result.validation, test: 0 };
  for (const row of manual) totals[row.split] += 1;
  return { train: result.train, validation: result.validation, kept: result.kept, totals, preview: input.preview ?? false };
}

export type SplitSummary = SplitCounts & { manual: number; total: number };

/** Current split counts of the working set and how many rows were placed by hand. */
export async function splitSummary(datasetId: string, opts: { db?: PrismaClient } = {}): Promise<SplitSummary> {
  const db = opts.db ?? prisma();
  const dataset = await db.dataset.findUnique({ where: { id: datasetId }, select: { id: true } });
  if (!dataset) throw notFound("Dataset");
  const [groups, manual] = await Promise.all([
    db.example.groupBy({ by: ["split"], where: { datasetId }, _count: { _all: true } }),
    db.example.count({ where: { datasetId, splitManual: true } }),
  ]);
  const counts: SplitCounts = { train: 0, validation: 0, test: 0 };
  for (const g of groups) counts[g.split] = g._count._all;
  return { ...counts, manual, total: counts.train + counts.validation + counts.test };
}
