import { randomBytes } from "node:crypto";
import os from "node:os";
import type { QueueName } from "../lib/queue/contracts";
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../lib/db/client";
import { env } from "../lib/env";
import { createQueueSet } from "../lib/queue/queues";
import { createRedis } from "../lib/redis";
import { heartbeatKey, listWorkers, workerInfoSchema } from "../lib/workers/heartbeat";
import { deleteKeysUnder, uniquePrefix, waitFor } from "../lib/workers/testing";
import { startWorkerProcess, type Logger } from "./runtime";

const db = createPrismaClient();
const redis = createRedis("client");
const prefix = uniquePrefix("runtime");
const queues = createQueueSet({ connection: redis, prefix });
const tag = randomBytes(4).toString("hex");
const lines: string[] = [];
const log: Logger = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };

afterAll(async () => {
  await db.session.deleteMany({ where: { tokenHash: { startsWith: `runtime-${tag}` } } });
  await queues.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await db.$disconnect();
});

describe("worker process", () => {
  it("publishes a heartbeat, runs system.pruneSessions, and removes the heartbeat on close", async () => {
    const proc = await startWorkerProcess({ db, redisUrl: env().REDIS_URL, prefix, log });
    try {
      // A plain worker leaves the device queues (gpu-jobs, inference) to GPU workers (workers/main.ts --gpu); it runs
      // evaluations whose models are all remote (eval).
      expect(proc.queues).toEqual(["datasets", "system", "openai-jobs", "eval"]);
      expect(proc.heartbeatKey).toBe(heartbeatKey(prefix, proc.id));

      const raw = await redis.get(proc.heartbeatKey);
      const info = workerInfoSchema.parse(JSON.parse(raw!));
      expect(info).toMatchObject({ id: proc.id, pid: process.pid, hostname: os.hostname(), queues: ["datasets", "system", "openai-jobs", "eval"] });
      const ttl = await redis.pttl(proc.heartbeatKey);
      expect(ttl).toBeGreaterThan(5_000);
      expect(ttl).toBeLessThanOrEqual(15_000);
      expect((await listWorkers(redis, prefix)).map((w) => w.id)).toEqual([proc.id]);

      // The repeatable prune is scheduled once, however many workers start.
      const schedulers = await queues.get("system").getJobSchedulers();
      expect(schedulers.map((s) => s.key ?? s.name)).toContain("system.pruneSessions");

      await db.session.createMany({
        data: [
          { tokenHash: `runtime-${tag}-expired`, expiresAt: new Date(Date.now() - 60_000) },
          { tokenHash: `runtime-${tag}-live`, expiresAt: new Date(Date.now() + 3_600_000) },
        ],
      });
      const job = await queues.enqueue("system", "system.pruneSessions", {});
      const state = await waitFor(async () => {
        const s = await job.getState();
        return s === "completed" || s === "failed" ? s : undefined;
      }, 10_000, "the prune job to finish");
      expect(state).toBe("completed");
      const left = await db.session.findMany({ where: { tokenHash: { startsWith: `runtime-${tag}` } } });
      expect(left.map((s) => s.tokenHash)).toEqual([`runtime-${tag}-live`]);

      // An unknown job name is logged and completed, not retried.
      const stray = await queues.get("system").add("system.unknownThing", { x: 1 });
      await waitFor(async () => ((await stray.getState()) === "completed" ? true : undefined), 10_000, "the stray job");
      expect(lines.some((l) => l.includes('unknown name "system.unknownThing"'))).toBe(true);
    } finally {
      await proc.close();
    }
    expect(await redis.exists(proc.heartbeatKey)).toBe(0);
    expect(await listWorkers(redis, prefix)).toEqual([]);
  });

  it("refuses to consume a queue it has no processor for", async () => {
    // Every queue of this version has one now; a name from a newer version (or a typo that got past the CLI) has not.
    await expect(startWorkerProcess({ db, redisUrl: env().REDIS_URL, prefix, queues: ["reports" as QueueName], log })).rejects.toThrow(
      /No processor for queue\(s\) reports/,
    );
  });
});
