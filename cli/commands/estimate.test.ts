import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Runs the real `tuneforge` bin as a child process from a cwd outside the repository. Offline: no services.
const bin = path.resolve("bin/tuneforge.mjs");
let dir: string;

function tuneforge(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

function write(name: string, lines: unknown[] | string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof lines === "string" ? lines : lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  return file;
}

// 3 (priming) + [3 + 1 ("user") + 2 ("hello world")] + [3 + 1 ("assistant") + 1 ("hi")] = 14 tokens, in both encodings.
const chat = { messages: [{ role: "user", content: "hello world" }, { role: "assistant", content: "hi" }] };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tuneforge-estimate-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("tuneforge estimate", () => {
  it("--json applies the cookbook heuristic: 2 examples → 25 epochs", async () => {
    const file = write("two.jsonl", [chat, chat]);
    const r = await tuneforge(["estimate", file, "--model", "gpt-4o-mini-2024-07-18", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // 28 tokens per epoch × 25 epochs = 700 billed tokens at $3 / 1M.
    expect(JSON.parse(r.stdout)).toEqual({ examples: 2, tokensPerEpoch: 28, epochs: 25, billedTokens: 700, usd: 0.0021 });
  }, 30_000);

  it("uses --epochs, ft: names and detects other formats", async () => {
    const alpaca = Array.from({ length: 40 }, () => ({ instruction: "hello world", input: "", output: "hi" }));
    const file = write("alpaca.jsonl", alpaca);
    const r = await tuneforge(["estimate", file, "--model", "ft:gpt-3.5-turbo-0125:acme::x1", "--epochs", "2", "--json"]);
    expect(r.code).toBe(0);
    // Alpaca → the same user/assistant pair: 14 tokens each; 40 × 14 = 560 per epoch; $8 / 1M.
    expect(JSON.parse(r.stdout)).toEqual({ examples: 40, tokensPerEpoch: 560, epochs: 2, billedTokens: 1120, usd: (1120 * 8) / 1e6 });
  }, 30_000);

  it("prints a human report and a null price for unknown models", async () => {
    const file = write("human.jsonl", [chat]);
    const r = await tuneforge(["estimate", file, "--model", "gpt-4o"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("1 examples (openai-chat), model gpt-4o");
    expect(r.stdout).toMatch(/epochs\s+25 \(OpenAI's default/);
    expect(r.stdout).toMatch(/billed tokens\s+350/);
    const unknown = await tuneforge(["estimate", file, "--model", "my-local-llama", "--json"]);
    expect(JSON.parse(unknown.stdout).usd).toBeNull();
  }, 30_000);

  it("exits 1 naming the lines that are not examples, estimating the rest", async () => {
    const file = write("bad.jsonl", [JSON.stringify(chat), "{oops", "", JSON.stringify({ messages: "x" }), JSON.stringify(chat)].join("\n") + "\n");
    const r = await tuneforge(["estimate", file, "--model", "gpt-4o-mini", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ examples: 2, tokensPerEpoch: 28 });
    expect(r.stderr).toMatch(/^line 2: invalid JSON .*\[invalid_json\]$/m);
    expect(r.stderr).toMatch(/^line 3: empty line; remove it .*\[invalid_json\]$/m);
    expect(r.stderr).toMatch(/^line 4: "messages" must be a list of messages, got a string \[invalid_field\]$/m);
    expect(r.stderr).toContain("3 line(s) are not valid examples");
  }, 30_000);

  it("reads CSV with the named columns", async () => {
    const file = write("pairs.csv", 'question,answer\r\n"hello world",hi\r\n"hello world","hi"\r\n');
    const r = await tuneforge(["estimate", file, "--model", "gpt-4o-mini", "--user", "question", "--assistant", "answer", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ examples: 2, tokensPerEpoch: 28, epochs: 25, billedTokens: 700, usd: 0.0021 });
    const noColumns = await tuneforge(["estimate", file, "--model", "gpt-4o-mini"]);
    expect(noColumns.code).toBe(2);
    expect(noColumns.stderr).toContain("--user COL and --assistant COL");
    const wrong = await tuneforge(["estimate", file, "--model", "gpt-4o-mini", "--user", "q", "--assistant", "answer"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('the user column "q" is not in the header (question, answer)');
  }, 30_000);

  it("exits 1 on an empty file and 2 on a missing or binary file or bad usage", async () => {
    const empty = await tuneforge(["estimate", write("empty.jsonl", ""), "--model", "gpt-4o"]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("has no examples");
    const missing = await tuneforge(["estimate", path.join(dir, "nope.jsonl"), "--model", "gpt-4o"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");
    const binary = path.join(dir, "bin.jsonl");
    fs.writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]));
    expect((await tuneforge(["estimate", binary, "--model", "gpt-4o"])).code).toBe(2);
    const noModel = await tuneforge(["estimate", write("x.jsonl", [chat])]);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toContain("--model is required");
    expect((await tuneforge(["estimate", path.join(dir, "x.jsonl"), "--model", "gpt-4o", "--epochs", "0"])).code).toBe(2);
  }, 60_000);
});
