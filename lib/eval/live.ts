import type { PrismaClient } from "@prisma/client";
import type { Redis } from "ioredis";
import { env } from "../env";
import { createRedis } from "../redis";
import type { EvalProgress } from "./types";
import { evalProgress } from "./view";

// The live channel of one eval run: the worker publishes progress (generations per side, judged samples,
// status) after each sample, so an open run page updates without polling. Postgres holds the truth; a
// message lost while nobody listens costs nothing, and a page that connects late reads the row first.

export function evalChannel(prefix: string, evalRunId: string): string {
  return `${prefix}:eval:${evalRunId}`;
}

export async function publishEvalProgress(redis: Redis, prefix: string, evalRunId: string, progress: EvalProgress): Promise<void> {
  await redis.publish(evalChannel(prefix, evalRunId), JSON.stringify({ type: "progress", ...progress }));
}

/** Progress counted from the stored samples (used after a resume, a cancel, or the last sample): one grouped count. */
export async function progressFromRows(db: PrismaClient, evalRunId: string): Promise<EvalProgress | null> {
  const run = await db.evalRun.findUnique({ where: { id: evalRunId }, select: { status: true } });
  if (!run) return null;
  const c = (await evalProgress(db, [evalRunId])).get(evalRunId);
  return { generated: { baseline: c?.baseline ?? 0, candidate: c?.candidate ?? 0 }, judged: c?.judged ?? 0, total: c?.total ?? 0, status: run.status };
}

const holder = globalThis as unknown as { tuneforgeEvalLiveRedis?: Redis };

/** The web process's side (a cancel): publishes what Postgres now holds; best-effort. */
export async function publishEvalRow(evalRunId: string, opts: { db: PrismaClient }): Promise<void> {
  const progress = await progressFromRows(opts.db, evalRunId);
  if (!progress) return;
  if (!holder.tuneforgeEvalLiveRedis) {
    const redis = createRedis("client");
    redis.on("error", (err) => console.error(`[eval live] redis: ${err.message}`));
    holder.tuneforgeEvalLiveRedis = redis;
  }
  await publishEvalProgress(holder.tuneforgeEvalLiveRedis, env().TUNEFORGE_QUEUE_PREFIX, evalRunId, progress);
}

export async function closeEvalLiveRedis(): Promise<void> {
  const redis = holder.tuneforgeEvalLiveRedis;
  holder.tuneforgeEvalLiveRedis = undefined;
  await redis?.quit().catch(() => redis.disconnect());
}
