import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countChatExampleTokens } from "../tokens/count";
import { estimateFile } from "./estimate-file";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tuneforge-estimate-file-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

describe("estimateFile", () => {
  it("detects ShareGPT past a bad first line and reports errors in file order", async () => {
    const turn = JSON.stringify({ conversations: [{ from: "human", value: "hello world" }, { from: "gpt", value: "hi" }] });
    const file = write("sharegpt.jsonl", ["[1]", turn, JSON.stringify({ conversations: [{ from: "bot", value: "x" }] }), turn]);
    const r = await estimateFile({ file, model: "gpt-4o-mini", epochs: 1 });
    expect(r.format).toBe("sharegpt");
    expect(r.estimate).toEqual({ examples: 2, tokensPerEpoch: 28, epochs: 1, billedTokens: 28, usd: (28 * 3) / 1e6 });
    expect(r.invalid.map((e) => [e.line, e.code])).toEqual([
      [1, "data_type"],
      [3, "unrecognized_role"],
    ]);
  });

  it("counts a preference pair as its prompt plus both replies", async () => {
    const pref = {
      input: { messages: [{ role: "user", content: "hello world" }] },
      preferred_output: [{ role: "assistant", content: "hi" }],
      non_preferred_output: [{ role: "assistant", content: "go away" }],
    };
    const file = write("dpo.jsonl", [JSON.stringify(pref)]);
    const r = await estimateFile({ file, model: "gpt-4.1-mini-2025-04-14" });
    const expected = countChatExampleTokens({ messages: [...pref.input.messages, ...pref.preferred_output, ...pref.non_preferred_output] }, "gpt-4.1");
    expect(r.format).toBe("preference");
    expect(r.estimate).toMatchObject({ examples: 1, tokensPerEpoch: expected, epochs: 25 });
  });

  it("marks every line unrecognized when no format matches", async () => {
    const file = write("unknown.jsonl", [JSON.stringify({ question: "a" }), JSON.stringify({ question: "b" })]);
    const r = await estimateFile({ file, model: "gpt-4o" });
    expect(r.format).toBeNull();
    expect(r.estimate.examples).toBe(0);
    expect(r.invalid.map((e) => e.code)).toEqual(["unrecognized_format", "unrecognized_format"]);
    expect(r.invalid[0]?.message).toMatch(/^line 1: not an example in any supported format/);
  });
});
