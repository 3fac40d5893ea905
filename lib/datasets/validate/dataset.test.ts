import { describe, expect, it } from "vitest";
import { openAiTokenCounter } from "../../tokens/count";
import { DatasetValidator, validateDataset, type DatasetExample } from "./dataset";

const topics = ["billing", "shipping", "returns", "passwords", "invoices", "warranty", "refunds", "accounts", "coupons", "delivery", "sizes", "colors"];
const chat = (question: string, answer: string) => ({ messages: [{ role: "system", content: "You are TechCorp support." }, { role: "user", content: question }, { role: "assistant", content: answer }] });
/** n distinct, clearly different examples. */
const distinct = (n: number, from = 0): DatasetExample[] =>
  Array.from({ length: n }, (_, i) => ({
    line: i + 1,
    value: chat(`Question ${from + i}: how do ${topics[(from + i) % topics.length]} work for order ${from + i * 7919}?`, `Answer ${from + i}: ${topics[(from + i) % topics.length]} are handled in the account page, case ${from + i * 31}.`),
  }));
const codes = (r: { errors: { code: string }[]; warnings: { code: string }[] }) => [...r.errors, ...r.warnings].map((i) => i.code);

describe("validateDataset: example counts", () => {
  it("empty_file when there are no examples", () => {
    const r = validateDataset([]);
    expect(r.errors).toEqual([expect.objectContaining({ code: "empty_file", line: 0 })]);
  });

  it("too_few_examples under 10 (error), few_examples under 50 (warning), neither at 50", () => {
    expect(validateDataset(distinct(9)).errors.map((i) => i.code)).toEqual(["too_few_examples"]);
    expect(validateDataset(distinct(9)).errors[0]!.message).toMatch(/9 training examples; OpenAI requires at least 10, so add 1 more/);
    const ten = validateDataset(distinct(10));
    expect(ten.errors).toEqual([]);
    expect(ten.warnings.map((i) => i.code)).toEqual(["few_examples"]);
    expect(codes(validateDataset(distinct(49)))).toEqual(["few_examples"]);
    expect(codes(validateDataset(distinct(50)))).toEqual([]);
  });

  it("counts only training examples toward the minimum", () => {
    const data = [...distinct(9), ...distinct(5, 100).map((e) => ({ ...e, split: "validation" as const }))];
    expect(validateDataset(data).errors.map((i) => i.code)).toEqual(["too_few_examples"]);
  });
});

describe("validateDataset: duplicates", () => {
  it("exact_duplicate after whitespace and case normalization, naming the first line", () => {
    const data = distinct(50);
    data.push({ line: 51, value: chat("  QUESTION 3: how do  passwords work for order 23757? ", "answer 3: passwords are handled in the account page, case 93.") });
    const r = validateDataset(data);
    expect(r.warnings.map((i) => [i.code, i.line])).toEqual([["exact_duplicate", 51]]);
    expect(r.warnings[0]!.message).toMatch(/line 51 repeats line 4/);
    expect(r.stats.exactDuplicates).toBe(1);
  });

  it("near_duplicate at Jaccard ≥ 0.9, not below", () => {
    const words = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `w${from + i}`).join(" ");
    // Each conversation text is "system: … user: <q> assistant: <a>"; one extra word at the end changes 1 of
    // ~50 shingles (Jaccard ≈ 0.96), replacing the middle third changes far more.
    const base = chat(`Tell me about ${words(0, 30)}`, `Sure: ${words(100, 120)}`);
    const near = chat(`Tell me about ${words(0, 30)}`, `Sure: ${words(100, 120)} thanks`);
    const far = chat(`Tell me about ${words(0, 10)} ${words(500, 520)}`, `Sure: ${words(100, 120)}`);
    const r = validateDataset([...distinct(50), { line: 51, value: base }, { line: 52, value: near }, { line: 53, value: far }]);
    expect(r.warnings.map((i) => [i.code, i.line])).toEqual([["near_duplicate", 52]]);
    expect(r.warnings[0]!.message).toMatch(/line 52 is 9\d% the same as line 51/);
    expect(r.stats.nearDuplicates).toBe(1);
  });

  it("a long system prompt shared by every example does not make them near-duplicates", () => {
    const system = { role: "system", content: Array.from({ length: 300 }, (_, i) => `rule${i}`).join(" ") };
    const data = distinct(50).map((e) => ({ ...e, value: { messages: [system, ...(e.value as { messages: unknown[] }).messages.slice(1)] } }));
    expect(codes(validateDataset(data))).toEqual([]);
  });

  it("looks for duplicates within a split; across splits it is leakage", () => {
    const train = distinct(50);
    const validation = [{ line: 1, split: "validation" as const, value: train[0]!.value }];
    const r = validateDataset([...train, ...validation]);
    expect(codes(r)).toEqual(["split_leakage"]);
  });
});

describe("validateDataset: train/validation leakage", () => {
  const train = distinct(50);
  const v = (line: number, question: string): DatasetExample => ({ line, split: "validation", value: chat(question, "A different answer entirely.") });

  it("flags the same prompt (any case/spacing) and a near-same prompt, on the validation line", () => {
    const long = "I ordered a jacket last week and it arrived with a broken zipper and a stain on the left sleeve what can I do about it";
    const data = [...train, { line: 51, value: chat(long, "Send it back.") }, v(1, "QUESTION 0: how do billing work for order 0?"), v(2, `${long} please`), v(3, "Something unrelated about the weather today")];
    const r = validateDataset(data);
    const leaks = r.warnings.filter((i) => i.code === "split_leakage");
    expect(leaks.map((i) => [i.line, i.split])).toEqual([
      [1, "validation"],
      [2, "validation"],
    ]);
    expect(leaks[0]!.message).toMatch(/validation line 1 has the same user prompt as training line 1/);
    expect(leaks[1]!.message).toMatch(/nearly the same user prompt as training line 51/);
    expect(r.stats.leakedPrompts).toBe(2);
  });

  it("ignores shared system prompts and works whichever split comes first", () => {
    const validationFirst = [v(1, "Completely new question about gift cards?"), ...train];
    expect(codes(validateDataset(validationFirst))).toEqual([]);
    const leak = [v(1, "Question 5: how do warranty work for order 39595?"), ...train];
    expect(codes(validateDataset(leak))).toEqual(["split_leakage"]);
  });
});

describe("DatasetValidator: lines, tokens, stats", () => {
  it("skips blank lines, reports invalid_json and duplicate keys with their lines, counts tokens", () => {
    const counter = openAiTokenCounter("gpt-4o-mini-2024-07-18");
    const v = new DatasetValidator({ counter });
    distinct(12).forEach((e) => v.addLine({ line: e.line, text: JSON.stringify(e.value) }));
    v.addLine({ line: 13, text: "   " });
    v.addLine({ line: 14, text: "{oops" });
    v.addLine({ line: 15, text: '{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b","content":"c"}]}' });
    const r = v.finish();
    expect(r.errors.map((i) => [i.code, i.line])).toEqual([
      ["invalid_json", 14],
      ["duplicate_key", 15],
    ]);
    expect(r.stats).toMatchObject({ lines: 15, blankLines: 1, examples: 13, linesWithErrors: 2, tokenLimit: 65_536 });
    expect(r.trainTokens).toHaveLength(13);
    expect(r.stats.totalTokens).toBe(r.trainTokens.reduce((s, t) => s + t, 0));
    expect(r.trainTokens[0]).toBe(counter.countExample(distinct(1)[0]!.value as { messages: unknown[] }));
    expect(r.stats.messagesPerExample).toMatchObject({ min: 2, max: 3 });
  });

  it("too_many_tokens per example by the model's limit or a configured one", () => {
    const counter = openAiTokenCounter("gpt-4o-mini-2024-07-18");
    const data = distinct(50);
    expect(codes(validateDataset(data, { counter }))).toEqual([]);
    const r = validateDataset(data, { counter, tokenLimit: 30 });
    expect(r.warnings.every((i) => i.code === "too_many_tokens")).toBe(true);
    expect(r.stats.overTokenLimit).toBe(r.warnings.length);
    expect(r.warnings.length).toBeGreaterThan(0);
  });

  it("counts preference lines as examples", () => {
    const pref = { input: { messages: [{ role: "user", content: "Say hi" }] }, preferred_output: [{ role: "assistant", content: "Hi!" }], non_preferred_output: [{ role: "assistant", content: "No." }] };
    const r = validateDataset([...distinct(49), { line: 50, value: pref }]);
    expect(codes(r)).toEqual([]);
    expect(r.stats).toMatchObject({ examples: 50, preferenceExamples: 1, chatExamples: 49 });
  });
});
