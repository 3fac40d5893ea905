import { describe, expect, it } from "vitest";
import { healthTone, isHealthReport, type HealthReport } from "./health";
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
