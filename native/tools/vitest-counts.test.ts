import { describe, expect, it } from "vitest";
import { vitestCounts } from "./vitest-counts.mjs";

// The shape of vitest's JSON report (trimmed to the fields read), as `vitest run --reporter=json` writes it.
const file = (status: string, tests: string[]) => ({ status, assertionResults: tests.map((s) => ({ status: s })) });

describe("vitestCounts", () => {
  it("counts passed and failed tests", () => {
    const report = { numPassedTests: 3, numFailedTests: 1, testResults: [file("passed", ["passed", "passed"]), file("failed", ["passed", "failed"])] };
    expect(vitestCounts(report)).toEqual({ passed: 3, failed: 1, broken: 0 });
  });

  it("counts a file that failed with no failed test (import error, beforeAll threw) as one failure each", () => {
    // What vitest reports for a throwing beforeAll (its tests skipped) and for a file that did not load.
    const report = {
      numPassedTests: 2,
      numFailedTests: 0,
      testResults: [file("failed", ["skipped", "skipped"]), file("failed", []), file("passed", ["passed", "passed"])],
    };
    expect(vitestCounts(report)).toEqual({ passed: 2, failed: 2, broken: 2 });
  });
});
