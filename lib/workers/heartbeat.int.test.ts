import os from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { loadNativeAddon } from "../../native/index";
import { createRedis } from "../redis";
import { listWorkers, startHeartbeat } from "./heartbeat";
import { deleteKeysUnder, uniquePrefix } from "./testing";

const redis = createRedis("client");
const prefix = uniquePrefix("heartbeat");

afterAll(async () => {
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
});

describe("heartbeat", () => {
  it("reports the host's RAM and the native addon's built backends next to the old fields", async () => {
    const hb = await startHeartbeat({ redis, prefix, queues: ["gpu-jobs"], devices: [{ index: 0, name: "test GPU", memoryMiB: 1024 }] });
    try {
      const [w] = await listWorkers(redis, prefix);
      expect(w).toMatchObject({ id: hb.id, pid: process.pid, queues: ["gpu-jobs"], devices: [{ index: 0, name: "test GPU", memoryMiB: 1024 }] });
      expect(w?.ram?.totalBytes).toBe(os.totalmem());
      expect(w?.ram?.freeBytes).toBeGreaterThan(0);
      expect(w?.ram?.freeBytes).toBeLessThanOrEqual(os.totalmem());
      // The real addon is built on this machine: the worker says which backends it can train with.
      expect(w?.backends).toEqual(loadNativeAddon().backendsBuilt());
      expect(w?.backends).toContain("cpu");
    } finally {
      await hb.stop();
    }
    expect(await listWorkers(redis, prefix)).toEqual([]);
  });
});
