import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { env } from "../lib/env";
import { createRedis } from "../lib/redis";
import { listWorkers } from "../lib/workers/heartbeat";
import { deleteKeysUnder, uniquePrefix, waitFor } from "../lib/workers/testing";

const redis = createRedis("client");
const prefix = uniquePrefix("main");

afterAll(async () => {
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
});

describe("workers/main.ts", () => {
  it("comes online as a process and exits 0 on SIGTERM, removing its heartbeat", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve("workers/main.ts")], {
      env: { ...process.env, DATABASE_URL: env().DATABASE_URL, REDIS_URL: env().REDIS_URL, TUNEFORGE_QUEUE_PREFIX: prefix },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

    try {
      const workers = await waitFor(async () => {
        const list = await listWorkers(redis, prefix);
        return list.length ? list : undefined;
      }, 20_000, `the worker heartbeat (output so far: ${output})`);
      expect(workers).toHaveLength(1);
      expect(workers[0]?.pid).toBe(child.pid);
      expect(workers[0]?.queues).toEqual(["datasets", "system", "openai-jobs", "eval"]);
    } catch (err) {
      child.kill("SIGKILL");
      throw err;
    }

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(await listWorkers(redis, prefix)).toEqual([]);
    expect(output).toContain("SIGTERM");
  }, 40_000);

  it("a SIGTERM while it is still starting (before the heartbeat) shuts it down cleanly once it is up", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve("workers/main.ts")], {
      env: { ...process.env, DATABASE_URL: env().DATABASE_URL, REDIS_URL: env().REDIS_URL, TUNEFORGE_QUEUE_PREFIX: prefix },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let signalled = false;
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const onData = (d: Buffer) => {
      output += d;
      // "[reconcile] …" is logged inside startWorkerProcess, before its workers and heartbeat exist.
      if (!signalled && output.includes("[reconcile]")) {
        signalled = true;
        child.kill("SIGTERM");
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const code = await exited;
    expect(signalled, output).toBe(true);
    expect(code, output).toBe(0);
    expect(output).toContain("SIGTERM: finishing current jobs");
    expect(await listWorkers(redis, prefix)).toEqual([]);
  }, 40_000);

  it("exits 1 with a readable message when asked for an unknown queue", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve("workers/main.ts"), "--queues", "nope"], {
      env: { ...process.env, TUNEFORGE_QUEUE_PREFIX: prefix },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stderr.on("data", (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(output).toContain("Unknown queue(s): nope");
  }, 20_000);
});
