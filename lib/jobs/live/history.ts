import type { PrismaClient } from "@prisma/client";
import { HttpError } from "../../http/errors";
import type { CheckpointView, JobEventView, JobSummary, MetricPointView } from "../types";
import { JOB_SUMMARY_INCLUDE, toCheckpointView, toJobEventView, toJobSummary, toMetricPointView } from "../view";

// What a (re)connecting stream sends before going live: the job summary, the metric points after the
// client's cursor, and all events and checkpoints (few, and the page merges them by id).

export type JobHistory = { job: JobSummary; points: MetricPointView[]; events: JobEventView[]; checkpoints: CheckpointView[] };

export async function assertJobExists(db: PrismaClient, jobId: string): Promise<void> {
  const found = await db.fineTuneJob.findUnique({ where: { id: jobId }, select: { id: true } });
  if (!found) throw new HttpError(404, "job_not_found", `No fine-tuning job with id ${jobId}`);
}

/** Everything but the metric points: summary (with progress), events and checkpoints. */
export async function loadJobMeta(db: PrismaClient, jobId: string): Promise<Omit<JobHistory, "points">> {
  const [job, events, checkpoints, newest] = await Promise.all([
    db.fineTuneJob.findUnique({ where: { id: jobId }, include: JOB_SUMMARY_INCLUDE }),
    db.jobEvent.findMany({ where: { jobId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    db.checkpoint.findMany({ where: { jobId }, orderBy: { step: "asc" } }),
    db.metricPoint.findFirst({ where: { jobId }, orderBy: { step: "desc" }, select: { step: true, totalSteps: true } }),
  ]);
  if (!job) throw new HttpError(404, "job_not_found", `No fine-tuning job with id ${jobId}`);
  return {
    job: toJobSummary(job, newest ? { step: newest.step, totalSteps: newest.totalSteps } : null),
    events: events.map(toJobEventView),
    checkpoints: checkpoints.map(toCheckpointView),
  };
}

export async function loadHistorySince(db: PrismaClient, jobId: string, afterStep: number): Promise<JobHistory> {
  const [meta, points] = await Promise.all([
    loadJobMeta(db, jobId),
    db.metricPoint.findMany({ where: { jobId, step: { gt: afterStep } }, orderBy: { step: "asc" } }),
  ]);
  return { ...meta, points: points.map(toMetricPointView) };
}
