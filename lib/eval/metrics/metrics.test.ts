import { describe, expect, it } from "vitest";
import {
  compileJsonSchema,
  exactMatch,
  jsonValid,
  lengthRatio,
  normalizeAnswer,
  normalizedMatch,
  rougeL,
  sampleMetrics,
  schemaValid,
  SchemaCompileError,
  tokenF1,
} from ".";

describe("exactMatch", () => {
  it("forgives surrounding whitespace only", () => {
    expect(exactMatch(" 42\n", "42")).toBe(1);
    expect(exactMatch("Paris", "paris")).toBe(0);
    expect(exactMatch("a  b", "a b")).toBe(0);
  });
});

describe("normalizeAnswer / normalizedMatch", () => {
  it("lowercases, strips punctuation and articles, collapses whitespace (SQuAD)", () => {
    expect(normalizeAnswer("The  Eiffel Tower!")).toBe("eiffel tower");
    expect(normalizeAnswer("An apple, a day.")).toBe("apple day");
    expect(normalizeAnswer("“Theory” of everything…")).toBe("theory of everything");
    expect(normalizedMatch("The Eiffel Tower.", "eiffel tower")).toBe(1);
    expect(normalizedMatch("Eiffel", "eiffel tower")).toBe(0);
    // Punctuation is deleted, not replaced by a space (as SQuAD): '"a":"b"' and '"a": "b"' differ.
    expect(normalizedMatch('{"a":"b"}', '{"a": "b"}')).toBe(0);
  });
});

describe("jsonValid", () => {
  it.each([
    ['{"a": 1}', 1],
    ["  [1, 2]\n", 1],
    ['"just a string"', 1], // any JSON value is JSON; the schema metric decides about shape
    ["```json\n{\"a\": 1}\n```", 1],
    ["```\n[1]\n```", 1],
    ["```JSON\n{\"a\": 1}```", 1],
    ['Here you go: {"a": 1}', 0],
    ["```json\n{\"a\": 1}\n```\n```json\n{\"b\": 2}\n```", 0],
    ["{'a': 1}", 0],
    ["", 0],
  ])("%j → %i", (output, want) => {
    expect(jsonValid(output)).toBe(want);
  });
});

describe("schemaValid", () => {
  const schema = { type: "object", properties: { label: { enum: ["yes", "no"] } }, required: ["label"], additionalProperties: false };

  it("checks conformance, with the same fence rule as jsonValid", () => {
    expect(schemaValid('{"label": "yes"}', schema)).toBe(1);
    expect(schemaValid('```json\n{"label": "no"}\n```', schema)).toBe(1);
    expect(schemaValid('{"label": "maybe"}', schema)).toBe(0);
    expect(schemaValid('{"label": "yes", "extra": 1}', schema)).toBe(0);
    expect(schemaValid("not json", schema)).toBe(0);
  });

  it("speaks draft 2020-12 by default and draft-07 when the schema says so, formats included", () => {
    expect(schemaValid("[1, 2]", { prefixItems: [{ type: "integer" }], items: false })).toBe(0);
    expect(schemaValid("[1]", { prefixItems: [{ type: "integer" }], items: false })).toBe(1);
    const draft7 = { $schema: "http://json-schema.org/draft-07/schema#", properties: { e: { type: "string", format: "email" } } };
    expect(schemaValid('{"e": "a@b.example"}', draft7)).toBe(1);
    expect(schemaValid('{"e": "nope"}', draft7)).toBe(0);
  });

  it("does not confuse two schemas that share an $id", () => {
    expect(schemaValid('{"a": 1}', { $id: "https://x.example/s", type: "object" })).toBe(1);
    expect(schemaValid('{"a": 1}', { $id: "https://x.example/s", type: "array" })).toBe(0);
  });

  it("rejects a schema that does not compile, saying why", () => {
    expect(() => schemaValid("{}", { type: "nope" })).toThrow(SchemaCompileError);
    expect(() => schemaValid("{}", { type: "nope" })).toThrow(/jsonSchema is not a valid JSON Schema: .*type/);
    expect(compileJsonSchema(schema)).toEqual({ ok: true });
    const bad = compileJsonSchema({ properties: { a: { minimum: "three" } } });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toMatch(/minimum must be number/);
  });
});

describe("rougeL", () => {
  it("matches Lin (2004)'s worked example", () => {
    // reference "police killed the gunman" (4 tokens)
    // "police kill the gunman":  LCS = police·the·gunman = 3 → P = R = 3/4 → F = 0.75
    // "the gunman kill police":  LCS = the·gunman = 2        → P = R = 2/4 → F = 0.5
    expect(rougeL("police kill the gunman", "police killed the gunman")).toBeCloseTo(0.75, 12);
    expect(rougeL("the gunman kill police", "police killed the gunman")).toBeCloseTo(0.5, 12);
  });

  it("uses F1 of LCS precision and recall over lowercase words", () => {
    // output 7 words, reference 6, LCS 6 → P = 6/7, R = 1 → F = 2·(6/7)/(13/7) = 12/13
    expect(rougeL("The cat was found under the bed.", "the cat was under the bed")).toBeCloseTo(12 / 13, 12);
    expect(rougeL("", "")).toBe(1);
    expect(rougeL("", "x")).toBe(0);
    expect(rougeL("a b", "c d")).toBe(0);
  });
});

describe("tokenF1", () => {
  it("is SQuAD's bag-of-normalised-words F1", () => {
    // [paris, france] vs [paris]: 1 shared → P = 1/2, R = 1 → F = 2/3
    expect(tokenF1("Paris, France", "Paris")).toBeCloseTo(2 / 3, 12);
    // [cat, sat, on, mat] vs [cat, on, mat] (articles dropped): 3 shared → P = 3/4, R = 1 → F = 6/7
    expect(tokenF1("the cat sat on the mat", "a cat on a mat")).toBeCloseTo(6 / 7, 12);
    // each occurrence matches once: "yes yes no" vs "yes no no" share yes×1 + no×1 = 2 → P = R = 2/3 → F = 2/3
    expect(tokenF1("yes yes no", "yes no no")).toBeCloseTo(2 / 3, 12);
    expect(tokenF1("The.", "a")).toBe(1);
    expect(tokenF1("x", "")).toBe(0);
    expect(tokenF1("red", "blue")).toBe(0);
  });
});

describe("lengthRatio", () => {
  it("divides code-point lengths; null without a reference", () => {
    expect(lengthRatio("abcd", "ab")).toBe(2);
    expect(lengthRatio("😀😀", "ab")).toBe(1);
    expect(lengthRatio("x", "")).toBeNull();
    expect(lengthRatio("x", null)).toBeNull();
  });
});

describe("sampleMetrics", () => {
  const base = { latencyMs: 120, promptTokens: 30, completionTokens: 8, costUsd: 0.0001 };

  it("scores a reasoning model's answer, not its thinking", () => {
    const m = sampleMetrics({ ...base, output: '<think>\nThe user wants JSON with the intent.\n</think>\n\n{"intent": "refund"}', expected: '{"intent": "refund"}' });
    expect(m).toMatchObject({ exactMatch: 1, normalizedMatch: 1, jsonValid: 1, rougeL: 1, tokenF1: 1, lengthRatio: 1 });
    // Cut off while thinking: no answer, nothing matches.
    expect(sampleMetrics({ ...base, output: "<think>\nThe user", expected: "refund" })).toMatchObject({ exactMatch: 0, jsonValid: 0, lengthRatio: 0 });
  });

  it("computes every metric, schemaValid only with a schema", () => {
    const m = sampleMetrics({ ...base, output: '{"label": "yes"}', expected: ' {"label": "yes"}\n', schema: { required: ["label"] } });
    expect(m).toEqual({
      exactMatch: 1,
      normalizedMatch: 1,
      jsonValid: 1,
      schemaValid: 1,
      rougeL: 1,
      tokenF1: 1,
      lengthRatio: 16 / 18, // the reference's surrounding whitespace counts: lengths are raw
      ...base,
    });
    expect("schemaValid" in sampleMetrics({ ...base, output: "x", expected: "x" })).toBe(false);
  });

  it("scores the reference metrics 0 without an expected answer", () => {
    const m = sampleMetrics({ ...base, output: "[]", expected: null, costUsd: null });
    expect(m).toMatchObject({ exactMatch: 0, normalizedMatch: 0, rougeL: 0, tokenF1: 0, lengthRatio: null, jsonValid: 1, costUsd: null });
  });
});

describe("sampleMetrics with tool calls", () => {
  const base = { latencyMs: 5, promptTokens: 10, completionTokens: 3, costUsd: 0 };
  const expected = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';

  it("scores calls when the expected reply calls a tool, whatever format the output writes them in", () => {
    const lfm2 = sampleMetrics({ ...base, output: '<|tool_call_start|>[get_weather(city="Paris")]<|tool_call_end|>', expected });
    expect(lfm2).toMatchObject({ toolCallMatch: 1, toolNameMatch: 1, exactMatch: 0 });
    const wrongCity = sampleMetrics({ ...base, output: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Lyon"}}\n</tool_call>', expected });
    expect(wrongCity).toMatchObject({ toolCallMatch: 0, toolNameMatch: 1 });
    // A reasoning model's thinking is not its call.
    const thought = sampleMetrics({ ...base, output: '<think>\n<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>\n</think>\nIt is sunny.', expected });
    expect(thought).toMatchObject({ toolCallMatch: 0, toolNameMatch: 0 });
  });

  it("a sample that offered tools scores calls even when the answer is words; others carry no call metrics", () => {
    expect(sampleMetrics({ ...base, output: "It is sunny.", expected: "Sunny.", tools: true })).toMatchObject({ toolCallMatch: 1, toolNameMatch: 1 });
    expect(sampleMetrics({ ...base, output: expected, expected: "Sunny.", tools: true })).toMatchObject({ toolCallMatch: 0, toolNameMatch: 0 });
    const plain = sampleMetrics({ ...base, output: "It is sunny.", expected: "Sunny." });
    expect(plain).not.toHaveProperty("toolCallMatch");
    expect(plain).not.toHaveProperty("toolNameMatch");
  });
});
