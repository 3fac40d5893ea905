import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { env } from "../env";
import { nativeStatus, type NativeStatus } from "./native";
import { checkDatabase, probeRedis, type QueueCounts, type ServiceCheck } from "./services";

// GET /api/health and the status indicator read this. The shape is a contract with the UI: keep it.

export type HealthWorker = { id: string; hostname: string; pid: number; queues: string[]; startedAt: string; lastSeenAt: string };

export type HealthReport = {
  ok: boolean;
  checkedAt: string;
  database: ServiceCheck;
  redis: ServiceCheck;
  workers: { ok: boolean; online: number; workers: HealthWorker[] };
  native: NativeStatus;
  queues: QueueCounts[];
};

/** Per-check budget; checks run in parallel, so a down service is reported in well under 2 s. */
export const HEALTH_CHECK_TIMEOUT_MS = 1500;

export type HealthOptions = {
  db?: PrismaClient;
  redisUrl?: string;
  prefix?: string;
  /** Repository root, where the native addon is built; the web server runs from it. */
  root?: string;
  timeoutMs?: number;
};

export async function checkHealth(opts: HealthOptions = {}): Promise<HealthReport> {
  const timeoutMs = opts.timeoutMs ?? HEALTH_CHECK_TIMEOUT_MS;
  const [database, probe] = await Promise.all([
    checkDatabase(opts.db ?? prisma(), timeoutMs),
    probeRedis({ url: opts.redisUrl ?? env().REDIS_URL, prefix: opts.prefix ?? env().TUNEFORGE_QUEUE_PREFIX, timeoutMs }),
  ]);
  // Only the fields of the contract: heartbeats may carry more (devices) than the UI is promised here.
  const workers = (probe.workers ?? []).map(({ id, hostname, pid, queues, startedAt, lastSeenAt }) => ({
    id, hostname, pid, queues, startedAt, lastSeenAt,
  }));
  return {
    ok: database.ok && probe.redis.ok && workers.length > 0,
    checkedAt: new Date().toISOString(),
    database,
    redis: probe.redis,
    workers: { ok: workers.length > 0, online: workers.length, workers },
    native: nativeStatus(opts.root ?? process.cwd()),
    queues: probe.queues,
  };
}
