import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LOW_PRIORITY_NICE, lowPriorityRun } from "./low-priority";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-low-priority-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("lowPriorityRun", () => {
  it("runs at nice 19 with stdout and stderr in the log file, and resolves the exit code once the file is complete", async () => {
    const logFile = path.join(dir, "run.log");
    // `nice` with no arguments prints the niceness it runs at.
    const code = await lowPriorityRun("sh", ["-c", "nice; echo to-stderr >&2; exit 3"], { cwd: dir, env: process.env, logFile });
    expect(code).toBe(3);
    const lines = fs.readFileSync(logFile, "utf8").trim().split("\n");
    expect(lines[0]).toBe("$ sh -c nice; echo to-stderr >&2; exit 3");
    expect(lines).toContain(String(LOW_PRIORITY_NICE));
    expect(lines).toContain("to-stderr");
  });

  it("ends the command when its signal aborts, resolving 128", async () => {
    const logFile = path.join(dir, "aborted.log");
    const abort = new AbortController();
    const started = Date.now();
    const run = lowPriorityRun("sleep", ["30"], { cwd: dir, env: process.env, logFile, signal: abort.signal });
    setTimeout(() => abort.abort(), 200);
    expect(await run).toBe(128);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("says in the log why a command could not start, with exit code 127", async () => {
    const logFile = path.join(dir, "missing.log");
    const code = await lowPriorityRun("/nonexistent/tool", [], { cwd: dir, env: process.env, logFile });
    expect(code).toBe(127);
    expect(fs.readFileSync(logFile, "utf8")).toMatch(/nonexistent\/tool/);
  });
});
