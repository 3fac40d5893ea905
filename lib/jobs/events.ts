import type { Checkpoint, JobEvent, MetricPoint, Prisma, PrismaClient } from "@prisma/client";
import type { Redis } from "ioredis";
import { publishJobUpdate } from "./live/channel";
import { JOB_SUMMARY_INCLUDE, latestProgress, toCheckpointView, toJobEventView, toJobSummary, toMetricPointView } from "./view";

// Writes a job's series (metric points, events, checkpoints) and publishes exactly what was written.
// Every writer here is idempotent: a poll repeated after a crash, or a back-fill from the results file,
// inserts only rows that are not there yet (unique job+step / job+remote id), and only those are published,
// so a browser never sees a point twice and Postgres never holds one twice.

/** Where live updates go: the worker's Redis connection and the installation's queue prefix. */
export type LivePublisher = { redis: Redis; prefix: string };

export type MetricPointRow = Omit<Prisma.MetricPointCreateManyInput, "jobId" | "id">;
export type JobEventRow = { remoteId: string | null; level: string; message: string; data?: Prisma.InputJsonValue; createdAt?: Date };
export type CheckpointRow = { step: number; remoteId: string | null; modelName: string | null; path?: string | null; metrics: Record<string, number>; createdAt?: Date };

/** INSERT … ON CONFLICT (job_id, step) DO NOTHING; returns the rows actually inserted, by step. */
export async function storeMetricPoints(db: PrismaClient, jobId: string, points: MetricPointRow[]): Promise<MetricPoint[]> {
  if (points.length === 0) return [];
  const rows = await db.metricPoint.createManyAndReturn({ data: points.map((p) => ({ ...p, jobId })), skipDuplicates: true });
  return rows.sort((a, b) => a.step - b.step);
}

/** Provider events are unique per (job, remote id); our own events (remoteId null) are always added. */
export async function storeEvents(db: PrismaClient, jobId: string, events: JobEventRow[]): Promise<JobEvent[]> {
  if (events.length === 0) return [];
  const rows = await db.jobEvent.createManyAndReturn({
    data: events.map((e) => ({ jobId, remoteId: e.remoteId, level: e.level, message: e.message, data: e.data, createdAt: e.createdAt })),
    skipDuplicates: true,
  });
  return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/**
 * Checkpoints are unique per (job, step). OpenAI renames the newest one when the job ends (its snapshot
 * becomes the final model), so a known step whose model name changed is updated; returns new + changed rows.
 */
export async function storeCheckpoints(db: PrismaClient, jobId: string, checkpoints: CheckpointRow[]): Promise<Checkpoint[]> {
  if (checkpoints.length === 0) return [];
  const existing = new Map((await db.checkpoint.findMany({ where: { jobId } })).map((c) => [c.step, c]));
  const changed: Checkpoint[] = [];
  for (const c of checkpoints) {
    const before = existing.get(c.step);
    if (before && before.modelName === c.modelName && before.remoteId === c.remoteId) continue;
    const data = { remoteId: c.remoteId, modelName: c.modelName, path: c.path ?? null, metrics: c.metrics };
    changed.push(
      await db.checkpoint.upsert({
        where: { jobId_step: { jobId, step: c.step } },
        create: { jobId, step: c.step, ...data, ...(c.createdAt ? { createdAt: c.createdAt } : {}) },
        update: data,
      }),
    );
  }
  return changed;
}

export async function publishMetrics(pub: LivePublisher, jobId: string, rows: MetricPoint[]): Promise<void> {
  if (rows.length) await publishJobUpdate(pub.redis, pub.prefix, jobId, { type: "metrics", points: rows.map(toMetricPointView) });
}

export async function publishEvents(pub: LivePublisher, jobId: string, rows: JobEvent[]): Promise<void> {
  if (rows.length) await publishJobUpdate(pub.redis, pub.prefix, jobId, { type: "events", events: rows.map(toJobEventView) });
}

/** New checkpoints, or with `complete` the job's whole set (the page drops any other it holds). */
export async function publishCheckpoints(pub: LivePublisher, jobId: string, rows: Checkpoint[], opts: { complete?: boolean } = {}): Promise<void> {
  if (rows.length || opts.complete)
    await publishJobUpdate(pub.redis, pub.prefix, jobId, { type: "checkpoints", checkpoints: rows.map(toCheckpointView), ...(opts.complete ? { complete: true } : {}) });
}

/** Reads the row back (after the caller's write) and publishes it as a fresh JobSummary. */
export async function publishJobSummary(db: PrismaClient, pub: LivePublisher, jobId: string): Promise<void> {
  const row = await db.fineTuneJob.findUnique({ where: { id: jobId }, include: JOB_SUMMARY_INCLUDE });
  if (!row) return;
  const progress = (await latestProgress(db, [jobId])).get(jobId) ?? null;
  await publishJobUpdate(pub.redis, pub.prefix, jobId, { type: "job", job: toJobSummary(row, progress) });
}

/** An event tuneforge writes itself (a retry, a cancel, the wind-down explanation), stored then published. */
export async function recordJobEvent(db: PrismaClient, pub: LivePublisher, jobId: string, event: Omit<JobEventRow, "remoteId">): Promise<void> {
  await publishEvents(pub, jobId, await storeEvents(db, jobId, [{ ...event, remoteId: null }]));
}
