import path from "node:path";
import { describe, expect, it } from "vitest";
import { isE2eStackKey, testSettings } from "./test-env";

// Each Playwright worker k drives e2e stack k (e2e/stack.ts); two stacks must share nothing.
describe("testSettings: e2e stacks", () => {
  it("stack 0 by default: port 3100, emulator 3199, its own database, prefix and data dir", () => {
    const t = testSettings({});
    expect(t).toMatchObject({
      e2eStack: 0,
      e2ePorts: { web: 3100, emulator: 3199 },
      e2eBaseUrl: "http://127.0.0.1:3100",
      e2eEmulatorUrl: "http://127.0.0.1:3199",
      e2eDatabaseUrl: "postgresql://postgres@127.0.0.1:5432/tuneforge_test_e2e_0",
      e2eQueuePrefix: "tuneforge-e2e-0",
      e2eDataDir: path.resolve("data/e2e-0"),
    });
  });

  it("a Playwright worker's parallel index picks its stack; serve-e2e's E2E_STACK wins over it", () => {
    expect(testSettings({ TEST_PARALLEL_INDEX: "1" })).toMatchObject({ e2eStack: 1, e2eBaseUrl: "http://127.0.0.1:3101", e2eEmulatorUrl: "http://127.0.0.1:3200" });
    expect(testSettings({ TEST_PARALLEL_INDEX: "1", E2E_STACK: "2" }).e2eStack).toBe(2);
    expect(testSettings({ E2E_PORT: "4000", E2E_STACK: "3" }).e2ePorts).toEqual({ web: 4003, emulator: 4102 });
  });

  it("no two stacks share a port, database, queue prefix or data directory", () => {
    const stacks = [0, 1, 2, 3].map((k) => testSettings({ E2E_STACK: String(k) }));
    const ports = stacks.flatMap((t) => [t.e2ePorts.web, t.e2ePorts.emulator]);
    expect(new Set(ports).size).toBe(ports.length);
    for (const field of ["e2eDatabaseUrl", "e2eQueuePrefix", "e2eDataDir"] as const) expect(new Set(stacks.map((t) => t[field])).size).toBe(stacks.length);
    expect(stacks.every((t) => isE2eStackKey(`${t.e2eQueuePrefix}:gpu-jobs:1`))).toBe(true);
    expect(isE2eStackKey("tuneforge-e2e-x:1")).toBe(false);
  });
});
