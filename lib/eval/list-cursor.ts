// The evaluations list pages by keyset like the jobs list (lib/db/newest-first.ts), in its own order: newest first,
// a checkpoint sweep's runs (which share their creation instant) in step order, then id. Postgres sorts the runs
// without a step after those with one (ascending order puts nulls last), and the clause below follows it.

import type { Prisma } from "@prisma/client";

export type EvalListKey = { createdAt: Date; step: number | null; id: string };

/** "<ms since epoch>_<step or n>_<id>", safe in a URL as it is. */
export function evalCursorAfter(run: { createdAt: Date; checkpointStep: number | null; id: string }): string {
  return `${run.createdAt.getTime()}_${run.checkpointStep ?? "n"}_${run.id}`;
}

/** The key a cursor names, or null for anything evalCursorAfter cannot have written. */
export function parseEvalCursor(cursor: string): EvalListKey | null {
  const m = /^(\d{1,15})_(\d{1,9}|n)_([A-Za-z0-9-]{1,64})$/.exec(cursor);
  if (!m) return null;
  return { createdAt: new Date(Number(m[1])), step: m[2] === "n" ? null : Number(m[2]), id: m[3]! };
}

/** The runs after `key` in (createdAt desc, checkpointStep asc nulls last, id desc) order. */
export function evalRunsAfter(key: EvalListKey): Prisma.EvalRunWhereInput {
  const same = { createdAt: key.createdAt };
  const later: Prisma.EvalRunWhereInput[] =
    key.step === null
      ? [{ ...same, checkpointStep: null, id: { lt: key.id } }]
      : [{ ...same, checkpointStep: { gt: key.step } }, { ...same, checkpointStep: null }, { ...same, checkpointStep: key.step, id: { lt: key.id } }];
  return { OR: [{ createdAt: { lt: key.createdAt } }, ...later] };
}
