import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseSplit } from "../jobs/local/run/data";
import { tokenizeSplit } from "../jobs/local/run/tokenize";
import { writeTinyModel } from "../testing/tiny-model";
import { colorPreferences, colorTask, toJsonl } from "../testing/tiny-model/task";
import { chatTokenizerFor } from "./chat-cache";
import { PARALLEL_MIN_UNITS } from "../jobs/local/run/tokenize-threads";
import { countSplit, readSplitUnits, tokenizedSplit, tokenizeUnits } from "./split-tokens";
import { tokenizeOnThreads } from "./split-tokens-threads";

// The launch form counts a version from one tokenization at any max length; what it counts must be what the
// trainer's own tokenization keeps (lib/jobs/local/run/data.ts tokenizeSplit), example for example.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "split-tokens-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const modelDir = writeTinyModel({ dir: path.join(tmp, "model"), preset: "tiny", seed: 3 }).dir;
const chat = chatTokenizerFor(modelDir);
const longPrompt = `${"Describe the weather again. ".repeat(12)}What color is the sky?`;

function write(name: string, lines: unknown[]): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, toJsonl(lines as never));
  return file;
}

describe("countSplit over a cached tokenization", () => {
  it("keeps, skips and truncates chat examples exactly as the trainer's tokenization does, at every max length", async () => {
    const lines = [...colorTask(5), { messages: [{ role: "user", content: longPrompt }, { role: "assistant", content: '{"color": "blue"}' }] }, { messages: [{ role: "user", content: "no reply" }, { role: "assistant", content: "x", weight: 0 }] }];
    const file = write("chat.jsonl", lines);
    const split = await tokenizedSplit(chat, file, false);
    expect(await tokenizedSplit(chat, file, false)).toBe(split); // tokenized once
    const parsed = parseSplit(fs.readFileSync(file, "utf8"), file, "supervised");
    for (const maxSeqLen of [12, 24, 40, 80, 4096]) {
      const counted = countSplit(split, maxSeqLen);
      let trainer;
      try {
        trainer = await tokenizeSplit(chat, parsed, { maxSeqLen, file });
      } catch {
        expect(counted.examples, `max ${maxSeqLen}`).toBe(0); // the trainer refuses a split with none left
        continue;
      }
      expect({ examples: counted.examples, skipped: counted.skipped, tokens: counted.tokens, trained: counted.trained, truncated: counted.truncatedExamples, truncatedTokens: counted.truncatedTokens, longest: counted.longest }, `max ${maxSeqLen}`).toEqual({
        examples: trainer.units,
        skipped: trainer.skipped,
        tokens: trainer.tokens,
        trained: trainer.trainableTokens,
        truncated: trainer.truncated,
        truncatedTokens: trainer.truncatedTokens,
        longest: trainer.longest,
      });
      expect(counted.lengths).toEqual(trainer.examples.map((e) => e.tokens.length));
    }
    // Some max length both keeps and cuts examples, so the comparison covered truncation.
    expect([12, 24, 40, 80].some((l) => countSplit(split, l).examples > 0 && countSplit(split, l).truncatedExamples > 0)).toBe(true);
    // Line 7 never trains (weight 0); line 6's reply starts past a short max length.
    expect(countSplit(split, 4096).skipped).toEqual([{ line: 7, why: "it has no assistant message with weight other than 0" }]);
    expect(countSplit(split, 40).skipped.map((s) => s.line)).toEqual([6, 7]);
  });

  it("keeps a preference pair only when both answers keep a target, as the trainer does", async () => {
    const pairs = colorPreferences(4);
    const long = { ...pairs[0]!, input: { messages: [{ role: "user", content: longPrompt }] } };
    const file = write("pairs.jsonl", [...pairs, long]);
    const split = await tokenizedSplit(chat, file, true);
    const parsed = parseSplit(fs.readFileSync(file, "utf8"), file, "dpo");
    for (const maxSeqLen of [30, 42, 46, 100, 4096]) {
      const counted = countSplit(split, maxSeqLen);
      let trainer;
      try {
        trainer = await tokenizeSplit(chat, parsed, { maxSeqLen, file });
      } catch {
        expect(counted.examples, `max ${maxSeqLen}`).toBe(0);
        continue;
      }
      expect([counted.examples, counted.skipped, counted.tokens, counted.trained, counted.truncatedExamples, counted.truncatedTokens], `max ${maxSeqLen}`).toEqual([
        trainer.units,
        trainer.skipped,
        trainer.tokens,
        trainer.trainableTokens,
        trainer.truncated,
        trainer.truncatedTokens,
      ]);
    }
    expect(countSplit(split, 30).examples).toBe(0);
    expect([42, 46].some((l) => countSplit(split, l).examples > 0 && countSplit(split, l).truncatedExamples > 0)).toBe(true);
    expect(countSplit(split, 100).skipped).toEqual([{ line: 5, why: "its preferred output starts beyond max_seq_len 100" }]);
    expect(countSplit(split, 4096).skipped).toEqual([]);
  });
});

describe("the launch form's tokenization on threads", () => {
  it("gives the same lengths, masks and lines on threads as on one, for chat examples and for pairs", async () => {
    const chatLines = colorTask(PARALLEL_MIN_UNITS + 300).map((l, i) => (i % 97 === 5 ? { messages: [{ role: "user", content: longPrompt }, { role: "assistant", content: '{"color": "red"}' }] } : l));
    for (const [file, preference, units] of [
      [write("many.jsonl", chatLines), false, chatLines.length],
      [write("many-pairs.jsonl", colorPreferences(PARALLEL_MIN_UNITS + 100)), true, PARALLEL_MIN_UNITS + 100],
    ] as const) {
      const read = readSplitUnits(file, preference);
      expect(read).toHaveLength(units);
      const three = await tokenizeOnThreads(modelDir, file, preference, read, 3);
      expect(three).not.toBeNull();
      expect(three!.lines).toHaveLength(units * (preference ? 2 : 1));
      expect(three).toEqual(tokenizeUnits(chat, read, file, preference));
    }
  }, 60_000);

  it("stays on this thread for a small split or one thread, and answers a thread's template error with its line", async () => {
    const few = write("few.jsonl", colorTask(PARALLEL_MIN_UNITS - 1));
    expect(await tokenizeOnThreads(modelDir, few, false, readSplitUnits(few, false), 4)).toBeNull();
    const enough = write("enough.jsonl", colorTask(PARALLEL_MIN_UNITS));
    expect(await tokenizeOnThreads(modelDir, enough, false, readSplitUnits(enough, false), 1)).toBeNull();
    // A model whose template refuses one reply: the thread that meets it answers with the line, as this thread would.
    const strict = path.join(tmp, "strict-model");
    fs.cpSync(modelDir, strict, { recursive: true });
    const config = JSON.parse(fs.readFileSync(path.join(strict, "tokenizer_config.json"), "utf8")) as { chat_template: string };
    config.chat_template = `{%- for message in messages %}{%- if message['content'] == 'boom' %}{{ raise_exception('boom is refused') }}{%- endif %}{%- endfor %}${config.chat_template}`;
    fs.writeFileSync(path.join(strict, "tokenizer_config.json"), JSON.stringify(config));
    const lines: unknown[] = colorTask(PARALLEL_MIN_UNITS + 10);
    lines[PARALLEL_MIN_UNITS + 5] = { messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "boom" }] };
    const bad = write("bad.jsonl", lines);
    let here: unknown;
    try {
      tokenizeUnits(chatTokenizerFor(strict), readSplitUnits(bad, false), bad, false);
    } catch (err) {
      here = err;
    }
    expect(here).toMatchObject({ status: 400, code: "template_error", message: expect.stringMatching(new RegExp(`^bad\\.jsonl line ${PARALLEL_MIN_UNITS + 6}: `)) });
    await expect(tokenizeOnThreads(strict, bad, false, readSplitUnits(bad, false), 2)).rejects.toMatchObject({ status: 400, code: "template_error", message: (here as Error).message });
  }, 60_000);
});
