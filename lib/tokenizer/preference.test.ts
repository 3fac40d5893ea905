import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../testing/tiny-model";
import { loadChatTokenizer, type ChatTokenizer } from "./chat-tokenizer";
import { tokenizeChat } from "./masks";
import { parsePreferenceJsonl, tokenizePreferenceDataset } from "./preference";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "preference-"));
let chat: ChatTokenizer;
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(() => {
  chat = loadChatTokenizer(writeTinyModel({ dir: path.join(tmp, "model") }).dir);
});

const pair = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    input: { messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Capital of France?" }, { role: "assistant", content: "Which one?" }, { role: "user", content: "The country." }] },
    preferred_output: [{ role: "assistant", content: "Paris." }],
    non_preferred_output: [{ role: "assistant", content: [{ type: "text", text: "I think it is Lyon, but I am not sure." }] }],
    ...over,
  });

describe("parsePreferenceJsonl", () => {
  it("reads pairs with their lines; the input's assistant turns become context (weight 0)", () => {
    const pairs = parsePreferenceJsonl(`\uFEFF${pair()}\r\n\n${pair()}\n`, "prefs.jsonl");
    expect(pairs.map((p) => p.line)).toEqual([1, 3]);
    expect(pairs[0]!.input.messages.map((m) => [m.role, m.weight])).toEqual([["system", undefined], ["user", undefined], ["assistant", 0], ["user", undefined]]);
    expect(pairs[0]!.chosen).toEqual([{ role: "assistant", content: "Paris." }]);
    expect(pairs[0]!.rejected[0]!.content).toBe("I think it is Lyon, but I am not sure.");
  });

  it("names the file, line and field of malformed input", () => {
    expect(() => parsePreferenceJsonl(`${pair()}\n{"input":`, "p.jsonl")).toThrow(/^p\.jsonl line 2: not valid JSON/);
    expect(() => parsePreferenceJsonl(pair({ preferred_output: [] }), "p.jsonl")).toThrow(/^p\.jsonl line 1: preferred_output: /);
    expect(() => parsePreferenceJsonl(pair({ non_preferred_output: undefined }), "p.jsonl")).toThrow(/^p\.jsonl line 1: non_preferred_output: /);
    expect(() => parsePreferenceJsonl(pair({ preferred_output: [{ role: "user", content: "x" }] }), "p.jsonl")).toThrow('p.jsonl line 1: preferred_output[0] has role "user"; the outputs of a preference pair are assistant messages');
    expect(() => parsePreferenceJsonl(JSON.stringify({ input: [] }), "p.jsonl")).toThrow(/^p\.jsonl line 1: input: /);
    expect(() => parsePreferenceJsonl(`${pair()}\n${JSON.stringify({ messages: [{ role: "user", content: "hi" }] })}`, "p.jsonl")).toThrow(
      'p.jsonl line 2 is a chat example ({"messages": [...]}) among preference pairs; DPO trains on pairs only, so keep chat examples in a dataset of their own',
    );
    expect(() => parsePreferenceJsonl("\n\n", "p.jsonl")).toThrow("p.jsonl has no preference pairs");
  });
});

describe("tokenizePreferenceDataset", () => {
  it("gives the prompt + preferred output, then the prompt + non-preferred output, masked on the outputs only", () => {
    const pairs = parsePreferenceJsonl(pair(), "p.jsonl");
    const { examples, report } = tokenizePreferenceDataset(chat, pairs, { maxSeqLen: 4096, file: "p.jsonl" });
    expect(examples).toHaveLength(2);
    const [chosen, rejected] = examples as [(typeof examples)[0], (typeof examples)[0]];
    // The same prompt tokens, untrained, up to where the outputs begin.
    const prompt = chat.encode(chat.render(pairs[0]!.input.messages, { addGenerationPrompt: true }));
    expect(chosen.tokens.slice(0, prompt.length)).toEqual(prompt);
    expect(rejected.tokens.slice(0, prompt.length)).toEqual(prompt);
    expect(chosen.lossMask.slice(0, prompt.length).every((m) => m === 0)).toBe(true);
    expect(rejected.lossMask.slice(0, prompt.length).every((m) => m === 0)).toBe(true);
    // Everything after the prompt is the output and its end of turn, all trained on.
    expect(chosen.lossMask.slice(prompt.length).every((m) => m === 1)).toBe(true);
    expect(chat.decode(chosen.tokens.slice(prompt.length))).toContain("Paris.");
    expect(chat.decode(rejected.tokens.slice(prompt.length))).toContain("Lyon");
    // The same masks as the chat path gives a conversation whose earlier assistant turn has weight 0.
    expect(chosen).toEqual(tokenizeChat(chat, { messages: [...pairs[0]!.input.messages, ...pairs[0]!.chosen] }));
    expect(report).toEqual({
      pairs: 1,
      skipped: [],
      tokens: chosen.tokens.length + rejected.tokens.length,
      trainableTokens: chosen.tokens.length - prompt.length + rejected.tokens.length - prompt.length,
      truncatedPairs: 0,
      truncatedTokens: 0,
      longest: rejected.tokens.length,
    });
  });

  it("encodes the prompt once for both sequences of a pair", () => {
    const pairs = parsePreferenceJsonl(pair(), "p.jsonl");
    const texts: string[] = [];
    const counting = { ...chat, encode: (text: string) => (texts.push(text), chat.encode(text)) };
    const { examples } = tokenizePreferenceDataset(counting, pairs, { maxSeqLen: 4096, file: "p.jsonl" });
    // Each whole sequence, and the prompt with a generation prompt (the outputs' "before"), each once.
    expect(texts).toHaveLength(3);
    expect(new Set(texts).size).toBe(3);
    expect(examples).toEqual(tokenizePreferenceDataset(chat, pairs, { maxSeqLen: 4096, file: "p.jsonl" }).examples);
  });

  it("cuts both sequences at max_seq_len and leaves out a pair whose output starts beyond it, naming the line", () => {
    const pairs = parsePreferenceJsonl(pair(), "p.jsonl");
    const full = tokenizePreferenceDataset(chat, pairs, { maxSeqLen: 4096, file: "p.jsonl" }).examples;
    const limit = full[0]!.tokens.length - 1; // the chosen sequence just over, the longer rejected one too
    const cut = tokenizePreferenceDataset(chat, pairs, { maxSeqLen: limit, file: "p.jsonl" });
    expect(cut.report.truncatedPairs).toBe(1);
    expect(cut.examples.map((e) => e.tokens.length)).toEqual([limit, limit]);
    expect(cut.report.truncatedTokens).toBe(full[0]!.tokens.length - limit + full[1]!.tokens.length - limit);
    const prompt = chat.encode(chat.render(pairs[0]!.input.messages, { addGenerationPrompt: true })).length;
    const lost = tokenizePreferenceDataset(chat, pairs, { maxSeqLen: prompt, file: "p.jsonl" });
    expect(lost.examples).toEqual([]);
    expect(lost.report.skipped).toEqual([{ line: 1, why: `its preferred output starts beyond max_seq_len ${prompt}` }]);
    // A pair left out is not counted as truncated: the panel and the job log count only what is trained on.
    expect(lost.report).toMatchObject({ pairs: 0, truncatedPairs: 0, truncatedTokens: 0 });
  });
});
