import { describe, expect, it } from "vitest";
import { healthTone, isHealthReport, nativeLines, type HealthReport } from "./health";
import { NAV_ITEMS, isActive } from "./nav-items";

const healthy: HealthReport = {
  ok: true,
  checkedAt: "2026-11-29T00:00:00.000Z",
  database: { ok: true, latencyMs: 2 },
  redis: { ok: true, latencyMs: 1 },
  workers: { ok: true, online: 2, workers: [] },
  native: { ok: true, built: true, backendsBuilt: ["cpu"], cudaDevices: [], cudaReason: null, cudaGemms: null, message: "" },
  queues: [],
};

describe("healthTone", () => {
  it("is ok when everything is up", () => {
    expect(healthTone(healthy)).toBe("ok");
  });

  it("warns when Redis is down or no worker is online", () => {
    expect(healthTone({ ...healthy, redis: { ok: false, latencyMs: 0, error: "refused" } })).toBe("warn");
    expect(healthTone({ ...healthy, workers: { ok: false, online: 0, workers: [] } })).toBe("warn");
  });

  it("is an error without the database, whatever else is up", () => {
    expect(healthTone({ ...healthy, database: { ok: false, latencyMs: 0 } })).toBe("danger");
  });
});

describe("isHealthReport", () => {
  it("accepts a report and rejects an error body", () => {
    expect(isHealthReport(healthy)).toBe(true);
    expect(isHealthReport({ error: { code: "x", message: "y" } })).toBe(false);
    expect(isHealthReport(null)).toBe(false);
  });
});

describe("nativeLines (the status popover's native trainer rows)", () => {
  const native = healthy.native;
  const h200 = { index: 0, name: "NVIDIA H200", totalBytes: 150 * 2 ** 30, sm: 90 };

  it("says once that the addon is built, with its backends, and why there is no GPU", () => {
    expect(nativeLines({ ...native, backendsBuilt: ["cpu", "cuda"], cudaReason: "no CUDA-capable device is detected", message: "native addon built with cpu, cuda; no CUDA device (…)" })).toEqual([
      { label: "Native addon", text: "Built with cpu, cuda" },
      { label: "GPU", text: "None found", detail: "No CUDA-capable device is detected; training runs on the CPU." },
    ]);
    const cpuOnly = nativeLines(native);
    expect(cpuOnly.map((l) => [l.label, l.text])).toEqual([["Native addon", "Built with cpu"], ["GPU", "Not in this build"]]);
    expect(cpuOnly[1]!.detail).toMatch(/without nvcc, so training runs on the CPU; .*npm run native:build/);
  });

  it("names each GPU and where its GEMMs run, warning only when that is slower than it could be", () => {
    const gpu = { ...native, backendsBuilt: ["cpu", "cuda"], cudaDevices: [h200] };
    expect(nativeLines({ ...gpu, cudaGemms: "cublaslt 13.0.2 (libcublasLt.so.13)" })).toEqual([
      { label: "Native addon", text: "Built with cpu, cuda" },
      { label: "GPU", text: "NVIDIA H200 (sm_90, 150.0 GiB)" },
      { label: "GEMMs", text: "cuBLASLt 13.0.2 (libcublasLt.so.13)" },
    ]);
    const slow = nativeLines({ ...gpu, cudaGemms: "wmma (libcublasLt.so.13 not found)" });
    expect(slow[2]).toMatchObject({ label: "GEMMs", text: "the built-in WMMA kernels, not cuBLASLt (libcublasLt.so.13 not found)", tone: "warn" });
    expect(slow[2]!.detail).toMatch(/slower than cuBLASLt: put the folder holding libcublasLt/);
    const broken = nativeLines({ ...gpu, cudaGemms: "unusable (TF_CUDA_GEMM=cublas is not one of auto, cublaslt, wmma)" });
    expect(broken[2]).toMatchObject({ tone: "bad", detail: expect.stringMatching(/^every GPU job would fail: TF_CUDA_GEMM=cublas .*; fix or unset TF_CUDA_GEMM$/) });
    expect(nativeLines({ ...gpu, cudaDevices: [h200, { ...h200, index: 1 }], cudaGemms: null })[1]).toEqual({ label: "GPUs", text: "NVIDIA H200 (sm_90, 150.0 GiB), NVIDIA H200 (sm_90, 150.0 GiB)" });
  });

  it("shows a missing or broken addon as an error with the server's explanation", () => {
    expect(nativeLines({ ...native, ok: false, built: false, backendsBuilt: [], message: "run npm run native:build" })).toEqual([
      { label: "Native addon", text: "Not built", detail: "run npm run native:build", tone: "bad" },
    ]);
    expect(nativeLines({ ...native, ok: false, backendsBuilt: [], message: "libtf.so: cannot open shared object file" })).toEqual([
      { label: "Native addon", text: "Built, but not usable", detail: "libtf.so: cannot open shared object file", tone: "bad" },
    ]);
  });
});

describe("navigation", () => {
  it("marks the section of nested pages, and Overview only on /", () => {
    expect(isActive("/datasets/abc", "/datasets")).toBe(true);
    expect(isActive("/datasets", "/datasets")).toBe(true);
    expect(isActive("/datasetsx", "/datasets")).toBe(false);
    expect(isActive("/jobs", "/")).toBe(false);
    expect(isActive("/", "/")).toBe(true);
  });

  it("lists every section of the dashboard", () => {
    expect(NAV_ITEMS.map((i) => i.label)).toEqual(["Overview", "Datasets", "Jobs", "Playground", "Evaluations", "Models", "Costs", "Settings"]);
  });
});
