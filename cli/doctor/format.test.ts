import { describe, expect, it } from "vitest";
import { nodeCheck, type DoctorReport } from "./checks";
import { formatDoctor } from "./format";

function report(overrides: Partial<DoctorReport["checks"]> = {}): DoctorReport {
  const checks: DoctorReport["checks"] = {
    node: nodeCheck("v20.20.2"),
    database: { status: "ok", message: "connected in 2 ms; 1 migration applied", url: "postgresql://postgres@127.0.0.1:5432/tuneforge", latencyMs: 2, migrations: { applied: ["a"], pending: [], failed: [], unknown: [] } },
    redis: { status: "ok", message: "connected in 1 ms", url: "redis://127.0.0.1:6379", latencyMs: 1 },
    workers: {
      status: "ok",
      message: "1 online; no consumer yet for gpu-jobs",
      online: 1,
      workers: [{ id: "host-1-abc", pid: 1, hostname: "host", queues: ["system"], startedAt: "2026-01-01T00:00:00.000Z", lastSeenAt: "2026-01-01T00:00:05.000Z" }],
      queues: [
        { name: "gpu-jobs", waiting: 2, active: 0, failed: 1, consumers: 0 },
        { name: "system", waiting: 0, active: 0, failed: 0, consumers: 1 },
      ],
    },
    native: { status: "warn", message: "native addon not built (native/ has no build yet)", hint: "build it", built: false, backendsBuilt: [], cudaDevices: [], cudaReason: null, cudaGemms: null, path: "native/build/Release/tuneforge_native.node" },
    chromium: { status: "ok", message: "Chromium 131", path: "/usr/bin/chromium", version: "Chromium 131" },
    modelsDir: { status: "warn", message: "/m does not exist", hint: "create it", path: "/m", exists: false, readable: false, models: 0 },
    ...overrides,
  };
  return { ok: true, checks };
}

describe("formatDoctor", () => {
  it("prints one status line per check, hints and queue counts under them", () => {
    const text = formatDoctor(report());
    expect(text).toContain("  ok    database      postgresql://postgres@127.0.0.1:5432/tuneforge — connected in 2 ms");
    expect(text).toContain("  warn  native addon  native addon not built");
    expect(text).toMatch(/\n {22}→ build it\n/);
    expect(text).toContain("queue gpu-jobs: 2 waiting, 0 active, 1 failed; no consumer online");
    expect(text).toContain("queue system: 0 waiting, 0 active, 0 failed; 1 consumer");
    expect(text).toContain("host-1-abc (pid 1) consumes system");
    expect(text.trimEnd().endsWith("Essential checks (node, database, redis) passed.")).toBe(true);
  });

  it("names the essential checks that failed", () => {
    const text = formatDoctor(report({ redis: { status: "fail", message: "cannot connect", hint: "start Redis", url: "redis://x", latencyMs: null } }));
    expect(text).toContain("Essential checks failed: redis.");
  });

  it("fails the node check below the minimum version", () => {
    expect(nodeCheck("v18.19.0")).toMatchObject({ status: "fail", required: "20.9.0" });
    expect(nodeCheck("v18.19.0").hint).toMatch(/Node\.js 20\.9\.0 or newer/);
  });
});
