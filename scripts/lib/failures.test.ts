import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { failureLines, firstLine, nativeFailures, playwrightFailures, reportedFailures, vitestFailures } from "./failures";

// The report shapes below are what vitest 4.1 (--reporter=json) and Playwright 1.65 (--reporter=json) wrote for a
// failing assertion, a beforeAll that threw, and a failing spec inside a describe block.

describe("firstLine", () => {
  it("skips blank lines and colours, and shortens a long line", () => {
    expect(firstLine("\n  \n\u001b[2mexpect(\u001b[22mreceived).toBe(expected)\n    at x")).toBe("expect(received).toBe(expected)");
    expect(firstLine(undefined)).toBe("(no message)");
    const long = firstLine("x".repeat(500));
    expect(long).toHaveLength(240);
    expect(long.endsWith("…")).toBe(true);
  });
});

describe("vitestFailures", () => {
  it("names each failed test by file and full name, and a file whose hook threw", () => {
    const report = {
      testResults: [
        {
          name: "/repo/lib/a.int.test.ts",
          status: "failed",
          message: "",
          assertionResults: [
            { fullName: "group fails", title: "fails", status: "failed", failureMessages: ["AssertionError: expected 1 to be 2 // Object.is equality\n    at /repo/lib/a.int.test.ts:2:57"] },
            { fullName: "group passes", title: "passes", status: "passed", failureMessages: [] },
          ],
        },
        { name: "/repo/lib/b.int.test.ts", status: "failed", message: "hook broke", assertionResults: [{ fullName: "never runs", title: "never runs", status: "skipped", failureMessages: [] }] },
        { name: "/repo/lib/c.int.test.ts", status: "passed", message: "", assertionResults: [{ fullName: "ok", title: "ok", status: "passed" }] },
      ],
    };
    expect(vitestFailures(report, "/repo")).toEqual([
      { where: "lib/a.int.test.ts › group fails", message: "AssertionError: expected 1 to be 2 // Object.is equality" },
      { where: "lib/b.int.test.ts", message: "hook broke" },
    ]);
  });

  it("is empty for a passing run", () => {
    expect(vitestFailures({ testResults: [{ name: "/repo/x.test.ts", status: "passed", assertionResults: [] }] }, "/repo/")).toEqual([]);
  });
});

describe("playwrightFailures", () => {
  it("names each failed spec by file, line and titles, with its error's first line, and errors outside tests", () => {
    const report = {
      suites: [
        {
          title: "x.spec.ts",
          file: "x.spec.ts",
          specs: [{ title: "top fails", ok: false, file: "x.spec.ts", line: 2, tests: [{ results: [{ status: "failed", error: { message: "Error: \u001b[2mexpect(\u001b[22mreceived).toBe(expected)\n\nExpected: 2" } }] }] }],
          suites: [
            {
              title: "grp",
              file: "x.spec.ts",
              specs: [
                { title: "inner passes", ok: true, file: "x.spec.ts", line: 3, tests: [{ results: [{ status: "passed" }] }] },
                { title: "inner fails", ok: false, file: "x.spec.ts", line: 3, tests: [{ results: [{ status: "timedOut" }] }] },
                // A flaky spec as Playwright 1.65 reports it: ok, with the first result's error.
                {
                  title: "inner flaky",
                  ok: true,
                  file: "x.spec.ts",
                  line: 5,
                  tests: [{ status: "flaky", results: [{ status: "failed", error: { message: "Error: \u001b[2mexpect(\u001b[22mlocator).toBeVisible()" } }, { status: "passed" }] }],
                },
              ],
            },
          ],
        },
      ],
      errors: [{ message: "Error: Timed out waiting 180000ms from config.webServer." }],
    };
    expect(playwrightFailures(report)).toEqual([
      { where: "x.spec.ts:2 › top fails", message: "Error: expect(received).toBe(expected)" },
      { where: "x.spec.ts:3 › grp › inner fails", message: "status: timedOut" },
      { where: "x.spec.ts:5 › grp › inner flaky", message: "flaky (passed only when retried): Error: expect(locator).toBeVisible()" },
      { where: "(outside any test)", message: "Error: Timed out waiting 180000ms from config.webServer." },
    ]);
  });
});

describe("nativeFailures", () => {
  it("names the C++ programs that failed and the emulated-GPU tests that failed", () => {
    const emu = { testResults: [{ name: "/repo/workers/gpu.emu.test.ts", status: "failed", assertionResults: [{ fullName: "heartbeat", title: "heartbeat", status: "failed", failureMessages: ["Error: no gemms"] }] }] };
    expect(nativeFailures({ ctest: [{ name: "test_nf4", message: "2 case(s) failed; its output is above" }], emu }, "/repo")).toEqual([
      { where: "ctest test_nf4", message: "2 case(s) failed; its output is above" },
      { where: "workers/gpu.emu.test.ts › heartbeat", message: "Error: no gemms" },
    ]);
    expect(nativeFailures({ ctest: [], emu: null }, "/repo")).toEqual([]);
  });
});

describe("reportedFailures", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "failures-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  it("is empty for exit code 0, and the report's failures otherwise", () => {
    const file = write("pw.json", JSON.stringify({ suites: [{ title: "a.spec.ts", file: "a.spec.ts", specs: [{ title: "t", ok: false, line: 4, tests: [{ results: [{ status: "failed", error: { message: "Error: boom" } }] }] }] }] }));
    expect(reportedFailures(file, 0, playwrightFailures)).toEqual([]);
    expect(reportedFailures(file, 1, playwrightFailures)).toEqual([{ where: "a.spec.ts:4 › t", message: "Error: boom" }]);
  });

  it("says why when the report is missing, unreadable, or lists no failed test", () => {
    expect(reportedFailures(path.join(dir, "none.json"), 1, playwrightFailures)).toEqual([
      { where: "(no report)", message: "exit code 1 before the runner wrote its report; its output above says why" },
    ]);
    expect(reportedFailures(write("cut.json", '{"suites": ['), 1, playwrightFailures)[0]!.message).toMatch(/^cut\.json is unreadable: /);
    const passed = write("ok.json", JSON.stringify({ testResults: [{ name: "/r/a.test.ts", status: "passed", assertionResults: [] }] }));
    expect(reportedFailures(passed, 1, (r: { testResults: [] }) => vitestFailures(r, "/r"))).toEqual([
      { where: "(no failed test)", message: "exit code 1 and no failed test in the report: an error outside the tests; its output above says which" },
    ]);
  });
});

describe("failureLines", () => {
  it("prints each failure under its tier, at most 15, then how many more", () => {
    const one = { where: "lib/a.int.test.ts › t", message: "AssertionError: no" };
    expect(failureLines("int", [one])).toEqual(["  ✗ int: lib/a.int.test.ts › t\n      AssertionError: no"]);
    const many = Array.from({ length: 18 }, (_, i) => ({ where: `f${i}`, message: "m" }));
    const lines = failureLines("e2e", many);
    expect(lines).toHaveLength(16);
    expect(lines[14]).toBe("  ✗ e2e: f14\n      m");
    expect(lines[15]).toBe("  … and 3 more in e2e; its output above lists them");
  });
});
