import Redis from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { deleteTestRedisPrefix, flushTestRedisExcept } from "./database";
import { isE2eStackKey, testSettings, VITEST_QUEUE_PREFIX } from "./test-env";

// The e2e stacks and the vitest tiers share one Redis database; they must not share queues, and no one's start-up
// clean-up may delete another's keys.
describe("test Redis isolation", () => {
  const url = testSettings().redisUrl;
  const redis = new Redis(url);
  afterAll(() => redis.disconnect());

  it("gives each e2e stack a queue prefix of its own", () => {
    expect(process.env.TUNEFORGE_QUEUE_PREFIX).toBe(VITEST_QUEUE_PREFIX);
    const prefixes = [0, 1, 2, 10, 11].map((k) => testSettings({ E2E_STACK: String(k) }).e2eQueuePrefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    // BullMQ keys are "<prefix>:<queue>:…": no prefix may be another's head, or a SCAN would match both.
    for (const a of [VITEST_QUEUE_PREFIX, ...prefixes])
      for (const b of [VITEST_QUEUE_PREFIX, ...prefixes]) if (a !== b) expect(`${a}:x`.startsWith(`${b}:`), `${a} vs ${b}`).toBe(false);
    expect(prefixes.every((p) => isE2eStackKey(`${p}:gpu-jobs:1`))).toBe(true);
    expect(isE2eStackKey(`${VITEST_QUEUE_PREFIX}:gpu-jobs:1`)).toBe(false);
  });

  it("deletes only the keys under the named prefix", async () => {
    const mine = `tf-prefix-test-${process.pid}-a`;
    const theirs = `tf-prefix-test-${process.pid}-ab`;
    // More keys than one SCAN page (COUNT 1000), so the cursor loop is exercised.
    const batch = redis.pipeline();
    for (let i = 0; i < 1500; i++) batch.set(`${mine}:gpu-jobs:${i}`, "x");
    await batch.exec();
    await redis.set(`${theirs}:gpu-jobs:1`, "y");
    await redis.set(`${mine}`, "bare key without the separator");

    expect(await deleteTestRedisPrefix(url, mine)).toBe(1500);
    expect(await redis.keys(`${mine}:*`)).toEqual([]);
    expect(await redis.get(`${theirs}:gpu-jobs:1`)).toBe("y");
    expect(await redis.get(mine)).toBe("bare key without the separator");
    await redis.del(`${theirs}:gpu-jobs:1`, mine);
  });

  it("refuses an empty prefix, which would match every key", async () => {
    await expect(deleteTestRedisPrefix(url, "")).rejects.toThrow(/non-empty prefix/);
    await expect(flushTestRedisExcept("redis://127.0.0.1:6379/0", isE2eStackKey)).rejects.toThrow(/Refusing to flush Redis db 0/);
  });

  it("npm test's clean start keeps only the e2e stacks' keys", async () => {
    // A scratch database of its own: this empties everything else in it.
    const scratch = url.replace(/\/\d+$/, "/7");
    const r = new Redis(scratch);
    try {
      await r.flushdb();
      await r.set("tuneforge-e2e-0:gpu-jobs:1", "served");
      await r.set("tuneforge-e2e-1:eval:2", "served");
      await r.set("tuneforge-e2e-other:x", "gone");
      await r.set("tuneforge-e2e:x", "gone");
      await r.set("tuneforge-test:gpu-jobs:1", "gone");
      await r.set("tf-int-abc:eval:1", "gone");
      expect(await flushTestRedisExcept(scratch, isE2eStackKey)).toBe(4);
      expect((await r.keys("*")).sort()).toEqual(["tuneforge-e2e-0:gpu-jobs:1", "tuneforge-e2e-1:eval:2"]);
    } finally {
      await r.flushdb();
      r.disconnect();
    }
  });
});
