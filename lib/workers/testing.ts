import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Redis } from "ioredis";

// Helpers for integration tests that touch Redis: each test file works under its own queue prefix and
// removes every key under it afterwards, so files never see each other's jobs or heartbeats.

export function uniquePrefix(label: string): string {
  return `tf-test-${label}-${randomBytes(4).toString("hex")}`;
}

export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) deleted += await redis.del(...keys);
  } while (cursor !== "0");
  return deleted;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A worker process started by a test (workers/main.ts), with its output kept for failure messages. */
export type SpawnedWorker = { child: ChildProcess; output: () => string; exited: Promise<number | null>; kill(signal?: NodeJS.Signals): Promise<number | null> };

/**
 * Starts the real worker (`node --import tsx workers/main.ts <args>`) with only the environment given (plus
 * PATH, NODE_ENV=test and a test secret), so a test states exactly which database, Redis prefix, data and
 * models directories and timings the process sees. `track` collects children for the afterAll cleanup.
 */
export function spawnWorker(opts: { args: string[]; env: Record<string, string | undefined>; track?: ChildProcess[] }): SpawnedWorker {
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve("workers/main.ts"), ...opts.args], {
    env: { PATH: process.env.PATH, NODE_ENV: "test", TUNEFORGE_SECRET: "test-secret-0123456789abcdef0123456789abcdef", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  opts.track?.push(child);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    async kill(signal: NodeJS.Signals = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
