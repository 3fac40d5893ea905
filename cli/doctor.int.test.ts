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

  it("warns about a GPU worker whose GEMMs run on the built-in kernels, from its heartbeat, with the fix", async () => {
    // The worker's own environment decides (LD_LIBRARY_PATH, TF_CUDA_GEMM), so doctor reads its heartbeat. A GPU
    // worker as the addon describes it on a machine without libcublasLt; another with cuBLASLt says nothing.
    const missing = "wmma (libcublasLt could not be loaded (libcublasLt.so.13: cannot open shared object file: No such file or directory))";
    const slow = await startHeartbeat({ redis, prefix, queues: ["gpu-jobs"], backends: ["cpu", "cuda"], devices: [{ index: 0, name: "NVIDIA H200", memoryMiB: 143_771, gemms: missing }] });
    const fast = await startHeartbeat({ redis, prefix, queues: ["gpu-jobs"], backends: ["cpu", "cuda"], devices: [{ index: 1, name: "NVIDIA H200", memoryMiB: 143_771, gemms: "cublaslt 13.0.2 (libcublasLt.so.13)" }] });
    let result;
    try {
      result = await tuneforge(["doctor", "--json"]);
    } finally {
      await slow.stop();
      await fast.stop();
    }
    const workers = (JSON.parse(result.stdout) as DoctorReport).checks.workers;
    expect(workers.status).toBe("warn");
    expect(workers.message).toContain(`; ${slow.id} on NVIDIA H200: GEMMs on the built-in WMMA kernels, not cuBLASLt (libcublasLt could not be loaded`);
    expect(workers.hint).toMatch(new RegExp(`^${slow.id}: GPU training's matrix products run on the built-in kernels, slower than cuBLASLt: .*LD_LIBRARY_PATH`));
    expect(workers.workers.find((w) => w.id === slow.id)?.devices?.[0]?.gemms).toBe(missing);
    expect(result.code).toBe(0);  // a warning: the essential checks decide the exit status
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
