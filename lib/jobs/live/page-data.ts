import type { PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import type { PackedPoints } from "../monitor/pack";
import type { JobView } from "../types";
import { loadMetricColumns } from "./columns";
import { loadJobMeta } from "./history";

// What the job page's server component hands to the browser: the job view without its points, and the
// points as columns. It is loadJobView (lib/jobs/view.ts) split for speed: a long job's first draw waits
// mostly on reading and shipping its points, and columns are a third of the bytes (lib/jobs/monitor/pack.ts).

export async function loadJobPage(id: string, opts: { db?: PrismaClient } = {}): Promise<{ view: JobView; packedMetrics: PackedPoints }> {
  const db = opts.db ?? prisma();
  const [meta, packedMetrics] = await Promise.all([loadJobMeta(db, id), loadMetricColumns(db, id)]);
  return { view: { ...meta.job, metrics: [], events: meta.events, checkpoints: meta.checkpoints }, packedMetrics };
}
