import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import type { EvalSamplesPage } from "./types";
import { evalRunNotFound, toEvalSampleView } from "./view";

// Samples of a run in index order, a page at a time (keyset on index: the side-by-side view and the export read
// thousands of rows without OFFSET scans).

export const MAX_SAMPLES_PAGE = 1000;

export async function listEvalSamples(id: string, opts: { after?: number; limit?: number } = {}, deps: { db?: PrismaClient } = {}): Promise<EvalSamplesPage> {
  const db = deps.db ?? prisma();
  const limit = Math.max(1, Math.min(opts.limit ?? 200, MAX_SAMPLES_PAGE));
  const [run, rows] = await Promise.all([
    db.evalRun.findUnique({ where: { id }, select: { id: true } }),
    db.evalSample.findMany({
      where: { evalRunId: id, ...(opts.after !== undefined ? { index: { gt: opts.after } } : {}) },
      orderBy: { index: "asc" },
      take: limit + 1,
    }),
  ]);
  if (!run) throw evalRunNotFound(id);
  const page = rows.slice(0, limit);
  return { samples: page.map(toEvalSampleView), next: rows.length > limit ? page[page.length - 1]!.index : null };
}
