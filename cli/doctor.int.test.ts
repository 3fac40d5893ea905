import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { env } from "../lib/env";
import { migrationDirs } from "../lib/health/system";
import { createRedis } from "../lib/redis";
import { startHeartbeat } from "../lib/workers/heartbeat";
import { deleteKeysUnder, uniquePrefix } from "../lib/workers/testing";
import type { DoctorReport } from "./doctor/checks";

// Runs the real `tuneforge` bin as a child process, from a cwd outside the repository.
const bin = path.resolve("bin/tuneforge.mjs");
const redis = createRedis("client");
const prefix = uniquePrefix("doctor");

afterAll(async () => {
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
});

function tuneforge(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: os.tmpdir(),
      env: { ...process.env, DATABASE_URL: env().DATABASE_URL, REDIS_URL: env().REDIS_URL, TUNEFORGE_QUEUE_PREFIX: prefix, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("tuneforge doctor", () => {
  it("--json reports every check against the real services and exits 0", async () => {
    const hb = await startHeartbeat({ redis, prefix, queues: ["system"] });
    let result;
    try {
      result = await tuneforge(["doctor", "--json"]);
    } finally {
      await hb.stop();
    }
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    expect(Object.keys(report.checks).sort()).toEqual(["chromium", "database", "modelsDir", "native", "node", "redis", "workers"]);
    expect(report.checks.node).toMatchObject({ status: "ok", version: process.version });
    expect(report.checks.database.status).toBe("ok");
    expect(report.checks.database.migrations).toEqual({ applied: await migrationDirs(process.cwd()), pending: [], failed: [], unknown: [] });
    expect(report.checks.redis).toMatchObject({ status: "ok" });
    expect(report.checks.workers).toMatchObject({ status: "ok", online: 1 });
    expect(report.checks.workers.workers[0]?.id).toBe(hb.id);
    expect(report.checks.workers.queues.find((q) => q.name === "system")?.consumers).toBe(1);
    // `npm test` builds the native addon first, so doctor loads it and reports its backends.
    expect(report.checks.native).toMatchObject({ status: "ok", built: true, backendsBuilt: expect.arrayContaining(["cpu"]) });
    // Devices found by the cuda backend, or why there are none (this machine has no GPU unless it says so).
    const native = report.checks.native;
    if (native.cudaDevices.length > 0) expect(native.cudaReason).toBeNull();
    else expect(native.cudaReason).toMatch(/\S/);
    expect(["ok", "warn"]).toContain(report.checks.chromium.status);
    // A relative TUNEFORGE_MODELS_DIR means the folder under the repository, whatever the cwd.
    expect(report.checks.modelsDir.path).toBe(path.resolve("models"));
  }, 30_000);

  it("fails with exit 1 and a hint when Redis is down", async () => {
    const started = Date.now();
    const result = await tuneforge(["doctor", "--json"], { REDIS_URL: "redis://127.0.0.1:6390" });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(report.ok).toBe(false);
    expect(report.checks.redis.status).toBe("fail");
    expect(report.checks.redis.message).toMatch(/ECONNREFUSED/);
    expect(report.checks.redis.hint).toMatch(/REDIS_URL/);
    expect(report.checks.database.status).toBe("ok");
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);

  it("prints one line per check for humans", async () => {
    const result = await tuneforge(["doctor"]);
    expect(result.code).toBe(0);
    for (const label of ["node", "database", "redis", "workers", "native addon", "chromium", "models dir"]) {
      expect(result.stdout).toMatch(new RegExp(`^  (ok|warn|fail) +${label} `, "m"));
    }
    expect(result.stdout).toMatch(/^ +→ start them/m);
    expect(result.stdout).toContain("Essential checks (node, database, redis) passed.");
  }, 30_000);

  it("lists only implemented commands in --help and rejects unknown ones with exit 2", async () => {
    const help = await tuneforge(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}doctor {2}/m);
    const unknown = await tuneforge(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
    const badFlag = await tuneforge(["doctor", "--jsn"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("doctor: Unknown option '--jsn'");
  }, 30_000);
});
