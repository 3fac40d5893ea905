import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { transactionWithRetry } from "../db/conflict";
import { badRequest, notFound } from "../http/errors";
import { markDatasetChanged } from "./rows/changed";
import { mulberry32 } from "../random/mulberry32";

export type SplitName = "train" | "validation";

export type SplitOptions = {
  /** Share of examples sent to validation, 0..0.5 (more than half would leave too little to train on). */
  validationRatio: number;
  /** Same seed + same examples ⇒ same split, so a split can be reproduced or shown before it is applied. */
  seed: number;
  /** Keep each tag's validation share ≈ the ratio instead of leaving it to chance. */
  stratifyByTag?: boolean;
};


function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * An example with several tags is stratified by its alphabetically first tag: each example must fall in exactly
 * one stratum, and choosing by sort order (not the user's tag order) keeps the result independent of tag order.
 */
function stratumOf(tags: readonly string[]): string {
  return tags.length === 0 ? "" : [...tags].sort()[0]!;
}

export function validateSplitOptions(opts: SplitOptions): void {
  if (!Number.isFinite(opts.validationRatio) || opts.validationRatio < 0 || opts.validationRatio > 0.5) {
    throw badRequest(`validationRatio must be between 0 and 0.5, got ${opts.validationRatio}`);
  }
  if (!Number.isSafeInteger(opts.seed)) throw badRequest(`seed must be an integer, got ${opts.seed}`);
}

/**
 * Assigns train/validation per example. Examples are sorted by id before shuffling, so the answer depends on the
 * set of examples and the seed only, never on the order the caller read them in. Each stratum (one when not
 * stratifying) sends round(size × ratio) examples to validation; at least one example always stays in train.
 */
export function assignSplits(
  examples: readonly { id: string; tags: readonly string[] }[],
  opts: SplitOptions,
): Map<string, SplitName> {
  validateSplitOptions(opts);
  const sorted = [...examples].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const strata = new Map<string, string[]>();
  for (const ex of sorted) {
    const key = opts.stratifyByTag ? stratumOf(ex.tags) : "";
    const ids = strata.get(key) ?? [];
    ids.push(ex.id);
    strata.set(key, ids);
  }
  const random = mulberry32(opts.seed);
  const result = new Map<string, SplitName>();
  // Strata in key order so the PRNG stream is consumed the same way every time.
  for (const key of [...strata.keys()].sort()) {
    const ids = shuffle(strata.get(key)!, random);
    const validationCount = Math.round(ids.length * opts.validationRatio);
    ids.forEach((id, i) => result.set(id, i < validationCount ? "validation" : "train"));
  }
  // Per-stratum rounding can send every example to validation (e.g. singleton strata at 0.5); a dataset
  // with nothing to train on is useless, so the first validation example in id order goes back to train.
  if (sorted.length > 0 && ![...result.values()].includes("train")) result.set(sorted[0]!.id, "train");
  return result;
}

export type ApplySplitsResult = { train: number; validation: number; kept: number };

export type SplitPlan = ApplySplitsResult & { trainIds: string[]; validationIds: string[] };

/** Draws the splits without writing: rows in `keepIds` keep theirs, every other row is drawn. */
export async function planSplits(
  opts: SplitOptions & { datasetId: string; keepIds?: ReadonlySet<string>; db?: PrismaClient },
): Promise<SplitPlan> {
  validateSplitOptions(opts);
  const db = opts.db ?? prisma();
  const keep = opts.keepIds ?? new Set<string>();
  const dataset = await db.dataset.findUnique({ where: { id: opts.datasetId }, select: { id: true } });
  if (!dataset) throw notFound("Dataset");
  const rows = await db.example.findMany({ where: { datasetId: opts.datasetId }, select: { id: true, tags: true } });
  const drawn = rows.filter((r) => !keep.has(r.id));
  const splits = assignSplits(drawn, opts);
  const trainIds = drawn.filter((r) => splits.get(r.id) === "train").map((r) => r.id);
  const validationIds = drawn.filter((r) => splits.get(r.id) === "validation").map((r) => r.id);
  return { trainIds, validationIds, train: trainIds.length, validation: validationIds.length, kept: rows.length - drawn.length };
}

/**
 * Re-splits a dataset: writes Example.split and bumps the dataset revision in ONE transaction (leakage
 * analysis depends on splits, so a re-split is a change like any edit). Ids in `keepIds` are rows the user set
 * by hand: they keep their split and take no part in the draw. `resetManual` clears every row's manual mark in
 * the same transaction (the caller passes no keepIds then). The caller requests analysis of `revision` after.
 */
export async function applySplits(
  opts: SplitOptions & { datasetId: string; keepIds?: ReadonlySet<string>; resetManual?: boolean; db?: PrismaClient },
): Promise<ApplySplitsResult & { revision: number }> {
  const db = opts.db ?? prisma();
  const plan = await planSplits({ ...opts, db });
  const revision = await transactionWithRetry(db, async (tx) => {
    if (opts.resetManual) {
      await tx.example.updateMany({ where: { datasetId: opts.datasetId, splitManual: true }, data: { splitManual: false } });
    }
    await tx.example.updateMany({ where: { datasetId: opts.datasetId, id: { in: plan.trainIds } }, data: { split: "train" } });
    await tx.example.updateMany({ where: { datasetId: opts.datasetId, id: { in: plan.validationIds } }, data: { split: "validation" } });
    return markDatasetChanged(tx, opts.datasetId);
  });
  return { train: plan.train, validation: plan.validation, kept: plan.kept, revision };
}
