import { randomBytes } from "node:crypto";
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
