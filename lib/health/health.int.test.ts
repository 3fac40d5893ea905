import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { GET } from "../../app/api/health/route";
import { createPrismaClient, disconnectPrisma } from "../db/client";
import { createQueueSet } from "../queue/queues";
import { createRedis } from "../redis";
import { startHeartbeat } from "../workers/heartbeat";
import { deleteKeysUnder, uniquePrefix } from "../workers/testing";
import { checkHealth } from "./index";

const db = createPrismaClient();
const redis = createRedis("client");
const prefix = uniquePrefix("health");
const queues = createQueueSet({ connection: redis, prefix });

afterAll(async () => {
  await queues.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await db.$disconnect();
  await disconnectPrisma();
});

describe("health", () => {
  it("reports every service up, the workers online and per-queue counts", async () => {
    const hb = await startHeartbeat({ redis, prefix, queues: ["system"], devices: [{ index: 0, name: "test GPU" }] });
    try {
      await queues.enqueue("gpu-jobs", "finetune.run", { jobId: "healthcheck1" });
      const h = await checkHealth({ db, prefix });
      expect(h.ok).toBe(true);
      expect(h.database.ok).toBe(true);
      expect(h.database.latencyMs).toBeGreaterThanOrEqual(0);
      expect(h.redis).toMatchObject({ ok: true });
      expect(h.redis.latencyMs).toBeGreaterThanOrEqual(0);
      expect(h.workers.ok).toBe(true);
      expect(h.workers.online).toBe(1);
      // Exactly the promised fields: devices stay out of the health contract.
      expect(Object.keys(h.workers.workers[0]!).sort()).toEqual(["hostname", "id", "lastSeenAt", "pid", "queues", "startedAt"]);
      expect(h.workers.workers[0]).toMatchObject({ id: hb.id, pid: process.pid, queues: ["system"] });
      expect(h.queues.map((q) => q.name).sort()).toEqual(["datasets", "eval", "gpu-jobs", "inference", "openai-jobs", "system"]);
      expect(h.queues.find((q) => q.name === "gpu-jobs")).toEqual({ name: "gpu-jobs", waiting: 1, active: 0, failed: 0, consumers: 0 });
      expect(h.queues.find((q) => q.name === "system")?.consumers).toBe(1);
      // `npm test` builds the native addon before the tiers run, so health loads it and lists its backends.
      expect(h.native).toEqual({
        ok: true,
        built: true,
        backendsBuilt: expect.arrayContaining(["cpu"]),
        cudaDevices: expect.any(Array),
        cudaReason: h.native.cudaDevices.length > 0 ? null : expect.stringMatching(/\S/),
        // A CUDA build says where its GEMMs would run (cuBLASLt, or the built-in kernels and why); a CPU-only one null.
        cudaGemms: h.native.backendsBuilt.includes("cuda") ? expect.stringMatching(/^(cublaslt \S+ \(libcublasLt\.so[.\d]*\)|wmma \(.+\))$/) : null,
        message: expect.stringMatching(/^native addon built with cpu/),
      });
      expect(Number.isNaN(Date.parse(h.checkedAt))).toBe(false);
    } finally {
      await hb.stop();
    }
    const after = await checkHealth({ db, prefix });
    expect(after.workers).toEqual({ ok: false, online: 0, workers: [] });
    expect(after.ok).toBe(false);
  });

  it("reports Redis down within 2 s when nothing listens on its port", async () => {
    const start = Date.now();
    const h = await checkHealth({ db, prefix, redisUrl: "redis://127.0.0.1:6390" });
    expect(Date.now() - start).toBeLessThan(2000);
    expect(h.redis.ok).toBe(false);
    expect(h.redis.latencyMs).toBeNull();
    expect(h.redis.error).toMatch(/ECONNREFUSED/);
    expect(h.database.ok).toBe(true);
    expect(h.workers).toEqual({ ok: false, online: 0, workers: [] });
    expect(h.queues).toEqual([]);
    expect(h.ok).toBe(false);
  });

  it("reports Redis down within 2 s when its host accepts connections but never answers", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const start = Date.now();
      const h = await checkHealth({ db, prefix, redisUrl: `redis://127.0.0.1:${port}` });
      expect(Date.now() - start).toBeLessThan(2000);
      expect(h.redis.ok).toBe(false);
      expect(h.redis.error).toMatch(/did not answer|timeout/i);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("reports the database down within 2 s", async () => {
    const down = createPrismaClient("postgresql://postgres@127.0.0.1:5499/nothing");
    try {
      const start = Date.now();
      const h = await checkHealth({ db: down, prefix });
      expect(Date.now() - start).toBeLessThan(2000);
      expect(h.database.ok).toBe(false);
      expect(h.database.error).toBeTruthy();
      expect(h.redis.ok).toBe(true);
      expect(h.ok).toBe(false);
    } finally {
      await down.$disconnect();
    }
  });

  it("GET /api/health answers 200 with exactly the documented shape", async () => {
    const res = await GET(new Request("http://127.0.0.1:3000/api/health"));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json();
    expect(Object.keys(body).sort()).toEqual(["checkedAt", "database", "native", "ok", "queues", "redis", "workers"]);
    expect(body.database.ok).toBe(true);
    expect(body.redis.ok).toBe(true);
    expect(Object.keys(body.workers).sort()).toEqual(["ok", "online", "workers"]);
    expect(Object.keys(body.native).sort()).toEqual(["backendsBuilt", "built", "cudaDevices", "cudaGemms", "cudaReason", "message", "ok"]);
    for (const q of body.queues) expect(Object.keys(q).sort()).toEqual(["active", "consumers", "failed", "name", "waiting"]);
  });
});
