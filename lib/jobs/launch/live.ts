import type { PrismaClient } from "@prisma/client";
import type { Redis } from "ioredis";
import { prisma } from "../../db/client";
import { env } from "../../env";
import { createRedis } from "../../redis";
import { publishJobUpdate } from "../live/channel";
import { JOB_SUMMARY_INCLUDE, latestProgress, toJobSummary } from "../view";

// Publishes a job row the web process just changed (a cancel request) on the job's live channel, so open job
// pages update without a reload. One connection per process, kept on globalThis to survive dev reloads.

const holder = globalThis as unknown as { tuneforgeLiveRedis?: Redis };

function liveRedis(): Redis {
  if (!holder.tuneforgeLiveRedis) {
    const redis = createRedis("client");
    // Live updates are best-effort; a down Redis must not crash the web process.
    redis.on("error", (err) => console.error(`[live] redis: ${err.message}`));
    holder.tuneforgeLiveRedis = redis;
  }
  return holder.tuneforgeLiveRedis;
}

/** Call after the row is committed: publishes what Postgres now holds. */
export async function publishJobRow(jobId: string, opts: { db?: PrismaClient } = {}): Promise<void> {
  const db = opts.db ?? prisma();
  const row = await db.fineTuneJob.findUnique({ where: { id: jobId }, include: JOB_SUMMARY_INCLUDE });
  if (!row) return;
  const progress = (await latestProgress(db, [jobId])).get(jobId) ?? null;
  await publishJobUpdate(liveRedis(), env().TUNEFORGE_QUEUE_PREFIX, jobId, { type: "job", job: toJobSummary(row, progress) });
}

export async function closeLiveRedis(): Promise<void> {
  const redis = holder.tuneforgeLiveRedis;
  holder.tuneforgeLiveRedis = undefined;
  await redis?.quit().catch(() => redis.disconnect());
}
