import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";

// Live counts for the Overview page's "what to do next" steps.

export type OverviewCounts = {
  datasets: number;
  examples: number;
  trainingTokens: number;
  prices: number;
  jobs: number;
  activeJobs: number;
  succeededJobs: number;
  evalRuns: number;
};

const ACTIVE = ["queued", "uploading", "validating_files", "running", "cancelling"] as const;

export async function getOverviewCounts(opts: { db?: PrismaClient } = {}): Promise<OverviewCounts> {
  const db = opts.db ?? prisma();
  const [datasets, examples, training, prices, jobs, activeJobs, succeededJobs, evalRuns] = await Promise.all([
    db.dataset.count(),
    db.example.count(),
    db.example.aggregate({ where: { split: "train" }, _sum: { tokenCount: true } }),
    db.priceEntry.count(),
    db.fineTuneJob.count(),
    db.fineTuneJob.count({ where: { status: { in: [...ACTIVE] } } }),
    db.fineTuneJob.count({ where: { status: "succeeded" } }),
    db.evalRun.count(),
  ]);
  return {
    datasets,
    examples,
    trainingTokens: training._sum.tokenCount ?? 0,
    prices,
    jobs,
    activeJobs,
    succeededJobs,
    evalRuns,
  };
}
