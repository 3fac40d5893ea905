import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";

// Read-only list for the Evaluations page until its full view (side-by-side comparison) is built on the
// eval module. (The Jobs page uses lib/jobs/list.ts.)

export type EvalListItem = {
  id: string;
  name: string;
  status: string;
  candidateSpec: string;
  baselineSpec: string;
  datasetName: string;
  createdAt: string;
};

export async function listRecentEvalRuns(opts: { db?: PrismaClient; limit?: number } = {}): Promise<EvalListItem[]> {
  const db = opts.db ?? prisma();
  const runs = await db.evalRun.findMany({
    orderBy: { createdAt: "desc" },
    take: opts.limit ?? 100,
    include: { datasetVersion: { select: { number: true, dataset: { select: { name: true } } } } },
  });
  return runs.map((r) => ({
    id: r.id,
    name: r.name,
    status: r.status,
    candidateSpec: r.candidateSpec,
    baselineSpec: r.baselineSpec,
    datasetName: `${r.datasetVersion.dataset.name} v${r.datasetVersion.number}`,
    createdAt: r.createdAt.toISOString(),
  }));
}
