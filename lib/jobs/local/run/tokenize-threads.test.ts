import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../../../testing/tiny-model";
import { colorPreferences, colorTask, toJsonl } from "../../../testing/tiny-model/task";
import { loadChatTokenizer } from "../../../tokenizer";
import { parseSplit } from "./data";
import { tokenizeSplit } from "./tokenize";
import { PARALLEL_MIN_UNITS, tokenizeSplitOnThreads, tokenizeThreadCount } from "./tokenize-threads";

// Real threads on a generated model: the parts, joined in file order, are exactly what one thread gives.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tokenize-threads-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const modelDir = writeTinyModel({ dir: path.join(tmp, "model"), preset: "tiny", seed: 4 }).dir;
const chat = loadChatTokenizer(modelDir);
const longPrompt = `${"Describe the weather again. ".repeat(12)}What color is the sky?`;

describe("tokenizeSplitOnThreads", () => {
  it("gives the same examples, counts and skipped lines on threads as on this one, for chat examples and for pairs", async () => {
    const chatLines = colorTask(PARALLEL_MIN_UNITS + 500).map((l, i) => (i % 97 === 5 ? { messages: [{ role: "user", content: longPrompt }, { role: "assistant", content: '{"color": "red"}' }] } : l));
    const chatSplit = parseSplit(toJsonl(chatLines as never), "chat.jsonl", "supervised");
    const pairSplit = parseSplit(toJsonl(colorPreferences(PARALLEL_MIN_UNITS + 100)), "pairs.jsonl", "dpo");
    for (const split of [chatSplit, pairSplit]) {
      const opts = { maxSeqLen: 40, file: "data.jsonl" };
      const one = await tokenizeSplit(chat, split, opts);
      const three = await tokenizeSplitOnThreads(chat, modelDir, split, { ...opts, threads: 3 });
      expect(three).toEqual(one);
    }
    // The chat split left its long-prompt lines out, in file order across the parts.
    const one = await tokenizeSplit(chat, chatSplit, { maxSeqLen: 40, file: "chat.jsonl" });
    expect(one.skipped.length).toBeGreaterThan(20);
    expect(one.skipped.map((s) => s.line)).toEqual([...one.skipped.map((s) => s.line)].sort((a, b) => a - b));
  }, 60_000);

  it("names the line of a template error raised on a thread, and refuses a split with nothing left", async () => {
    const lines = colorTask(PARALLEL_MIN_UNITS + 10);
    const split = parseSplit(toJsonl(lines), "bad.jsonl", "supervised");
    if (split.kind !== "chat") throw new Error("expected chat");
    (split.examples[PARALLEL_MIN_UNITS + 5]!.messages[1] as { content: unknown }).content = null; // the template cannot add null to a string
    await expect(tokenizeSplitOnThreads(chat, modelDir, split, { maxSeqLen: 512, file: "bad.jsonl", threads: 2 })).rejects.toThrow(new RegExp(`bad\\.jsonl line ${PARALLEL_MIN_UNITS + 6}: `));
    const fine = parseSplit(toJsonl(lines), "short.jsonl", "supervised");
    await expect(tokenizeSplitOnThreads(chat, modelDir, fine, { maxSeqLen: 4, file: "short.jsonl", threads: 2 })).rejects.toThrow(/short\.jsonl: no example has a trainable token within 4 tokens: line 1 /);
  }, 60_000);

  it("uses the threads asked for, else a thread per core but one; at most 8", () => {
    expect([1, 2, 4, 16, 64].map((c) => tokenizeThreadCount(0, c))).toEqual([1, 1, 3, 8, 8]);
    expect([1, 2, 12].map((n) => tokenizeThreadCount(n, 2))).toEqual([1, 2, 8]);
  });
});
