import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// `tuneforge validate` as a user runs it: a child process through bin/tuneforge.mjs. Needs no database.

const bin = fileURLToPath(new URL("../../bin/tuneforge.mjs", import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-validate-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "validate", ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const example = (i: number) =>
  JSON.stringify({ messages: [{ role: "user", content: `How many legs does animal number ${i} have, ${"and why ".repeat(i % 4)}?` }, { role: "assistant", content: `Animal ${i} has ${i % 8} legs.` }] });
const write = (name: string, lines: string[]) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
};

describe("tuneforge validate", () => {
  it("exits 0 on a clean file and prints the report", async () => {
    const file = write("clean.jsonl", Array.from({ length: 60 }, (_, i) => example(i)));
    const r = await run(file);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/examples:\s+60/);
    expect(r.stdout).toMatch(/total tokens:\s+~\d/);
    expect(r.stdout).toMatch(/estimated cost:\s+\$\d+\.\d\d for ~[\d,]+ billed tokens \(gpt-4o-mini-2024-07-18, 3 epochs\)/);
    expect(r.stdout).toMatch(/Errors: none/);
  }, 60_000);

  it("exits 1 with errors grouped by code, and --json prints the documented object", async () => {
    const lines = Array.from({ length: 12 }, (_, i) => example(i));
    lines.splice(2, 0, "{not json");
    lines.push(JSON.stringify({ messages: [{ role: "user", content: 7 }, { role: "assistant", content: "x" }] }));
    const file = write("bad.jsonl", lines);
    const human = await run(file);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/Errors: 2\n {2}invalid_json \(1\)\n {4}line 3: not valid JSON/);
    expect(human.stdout).toMatch(/invalid_content \(1\)\n {4}line 14: messages\[0\]\.content is the number 7/);
    expect(human.stdout).toMatch(/few_examples \(1\)/);

    const r = await run(file, "--json", "--model", "gpt-4.1-mini-2025-04-14");
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(["examples", "totalTokens", "billedTokens", "estimatedCost", "errors", "warnings", "stats"]);
    expect(out.examples).toBe(13);
    expect(out.estimatedCost).toEqual({ model: "gpt-4.1-mini-2025-04-14", epochs: 7, usd: expect.any(Number) });
    expect(out.billedTokens).toBe((out.totalTokens as number) * 7);
    expect((out.estimatedCost as { usd: number }).usd).toBeCloseTo(((out.billedTokens as number) * 5) / 1e6, 10);
    expect(out.errors).toEqual([
      { line: 3, code: "invalid_json", message: expect.stringMatching(/^line 3: /) },
      { line: 14, code: "invalid_content", message: expect.stringMatching(/^line 14: /), path: "messages[0].content" },
    ]);
    expect(out.warnings).toEqual([{ line: 0, code: "few_examples", message: expect.any(String) }]);
    expect(out.stats).toMatchObject({ lines: 14, examples: 13, linesWithErrors: 2 });
  }, 60_000);

  it("exits 2 when the file is missing, a directory or binary", async () => {
    const missing = await run(path.join(dir, "nope.jsonl"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.jsonl: no such file/);
    expect((await run(dir)).code).toBe(2);
    const binary = path.join(dir, "pic.jsonl");
    fs.writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]));
    const r = await run(binary, "--json");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/binary file/);
  }, 60_000);

  it("exits 2 on wrong usage, saying what to fix", async () => {
    const none = await run();
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give exactly one FILE/);
    const limit = await run("x.jsonl", "--token-limit", "lots");
    expect(limit.code).toBe(2);
    expect(limit.stderr).toMatch(/--token-limit must be a positive whole number/);
    expect((await run("x.jsonl", "--jsn")).code).toBe(2);
  }, 60_000);

  it("reports invalid UTF-8 by line and leakage from --validation-file", async () => {
    const train = path.join(dir, "train.jsonl");
    const rows = Array.from({ length: 50 }, (_, i) => example(i));
    fs.writeFileSync(train, Buffer.concat([Buffer.from(rows.join("\n") + "\n"), Buffer.from([0x7b, 0xff, 0x7d, 0x0a])]));
    const validation = write("val.jsonl", [example(3)]);
    const r = await run(train, "--validation-file", validation, "--json");
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { errors: { line: number; code: string }[]; warnings: { line: number; code: string; split?: string }[] };
    expect(out.errors.map((e) => [e.code, e.line])).toEqual([["invalid_utf8", 51]]);
    expect(out.warnings).toEqual([expect.objectContaining({ code: "split_leakage", line: 1, split: "validation" })]);
  }, 60_000);
});
