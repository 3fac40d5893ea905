import type { PrismaClient } from "@prisma/client";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { QUEUE_NAMES } from "../queue/contracts";
import { createRedis } from "../redis";
import { listWorkers, type WorkerInfo } from "../workers/heartbeat";
import { elapsedMs, errorMessage, withTimeout } from "./timeout";

// Checks of the services a running tuneforge needs, shared by /api/health and `tuneforge doctor`.

export type ServiceCheck = { ok: boolean; latencyMs: number | null; error?: string };
export type QueueCounts = { name: string; waiting: number; active: number; failed: number; consumers: number };

export async function checkDatabase(db: PrismaClient, timeoutMs: number): Promise<ServiceCheck> {
  const start = performance.now();
  try {
    await withTimeout(db.$queryRaw`select 1`, timeoutMs, "database");
    return { ok: true, latencyMs: elapsedMs(start) };
  } catch (err) {
    return { ok: false, latencyMs: null, error: errorMessage(err) };
  }
}

export type RedisProbe = {
  redis: ServiceCheck;
  /** null when Redis is down. */
  workers: WorkerInfo[] | null;
  queues: QueueCounts[];
};

/**
 * One short-lived, fail-fast connection: ping, then read heartbeats and queue counts. A down Redis
 * answers within `timeoutMs` (connection refused is immediate; a silent host hits the connect timeout).
 */
export async function probeRedis(opts: { url: string; prefix: string; timeoutMs: number }): Promise<RedisProbe> {
  const client = createRedis("probe", opts.url);
  // connect() rejects with a bare "Connection is closed."; the cause (ECONNREFUSED, auth) arrives as an event.
  let cause: Error | undefined;
  client.on("error", (err: Error) => (cause ??= err));
  try {
    const start = performance.now();
    try {
      await withTimeout(client.connect().then(() => client.ping()), opts.timeoutMs, "Redis");
    } catch (err) {
      return { redis: { ok: false, latencyMs: null, error: errorMessage(cause ?? err) }, workers: null, queues: [] };
    }
    const redis: ServiceCheck = { ok: true, latencyMs: elapsedMs(start) };
    try {
      const [workers, counts] = await withTimeout(
        Promise.all([listWorkers(client, opts.prefix), queueCounts(client, opts.prefix)]),
        opts.timeoutMs,
        "Redis queue counts",
      );
      const queues = counts.map((q) => ({ ...q, consumers: workers.filter((w) => w.queues.includes(q.name)).length }));
      return { redis, workers, queues };
    } catch (err) {
      return { redis: { ...redis, error: `connected, but reading workers and queues failed: ${errorMessage(err)}` }, workers: null, queues: [] };
    }
  } finally {
    client.disconnect();
  }
}

async function queueCounts(client: Redis, prefix: string): Promise<Omit<QueueCounts, "consumers">[]> {
  return Promise.all(
    QUEUE_NAMES.map(async (name) => {
      // Read-only: skipMetasUpdate keeps a health probe from writing queue metadata into Redis.
      const queue = new Queue(name, { connection: client, prefix, skipVersionCheck: true, skipMetasUpdate: true });
      queue.on("error", () => {}); // reported through the rejected count instead
      try {
        // "waiting" = ready to run; delayed jobs (schedules, retry backoff) are not waiting on a worker yet.
        const c = await queue.getJobCounts("waiting", "prioritized", "active", "failed");
        return { name, waiting: (c.waiting ?? 0) + (c.paused ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, failed: c.failed ?? 0 };
      } finally {
        await queue.close();
      }
    }),
  );
}
