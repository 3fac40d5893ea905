import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { countChatExampleTokens, countTextTokensForModel } from "../../tokens/count";
import { countModelTokenLimit, parseCountModel } from "./count-model";
import { exampleTokenCounter, trainedAssistantTexts } from "./counter";
import { DatasetFindings, referencedPosition } from "./findings";
import { fingerprintRow } from "./fingerprint";
import { defaultThreadCount } from "./pool";

describe("count model selection", () => {
  it("picks o200k for gpt-4o/4.1 families and cl100k for gpt-3.5, stripping ft: prefixes", () => {
    expect(parseCountModel("gpt-4o-mini-2024-07-18")).toMatchObject({ kind: "openai", encoding: "o200k_base" });
    expect(parseCountModel("gpt-4.1-2025-04-14")).toMatchObject({ encoding: "o200k_base" });
    expect(parseCountModel("gpt-3.5-turbo-0613")).toMatchObject({ encoding: "cl100k_base" });
    expect(parseCountModel("ft:gpt-3.5-turbo-0125:acme::abc")).toMatchObject({ encoding: "cl100k_base" });
    expect(parseCountModel("gpt-4o-mini")).toMatchObject({ kind: "openai" });
    expect(countModelTokenLimit("gpt-4o-mini-2024-07-18")).toBe(65_536);
    expect(countModelTokenLimit("gpt-3.5-turbo-0125")).toBe(16_385);
  });

  it("accepts local:<folder> and refuses paths, unknown names with the choices listed", () => {
    expect(parseCountModel("local:Qwen2.5-0.5B-Instruct")).toEqual({ kind: "local", model: "local:Qwen2.5-0.5B-Instruct", folder: "Qwen2.5-0.5B-Instruct" });
    expect(() => parseCountModel("local:../etc")).toThrow(/not a local model id/);
    expect(() => parseCountModel("local:a/b")).toThrow(/folder directly under the models directory/);
    expect(() => parseCountModel("claude-3")).toThrow(/"claude-3" is not a model tuneforge can count tokens for; pick one of gpt-4.1-2025-04-14/);
    expect(parseCountModel("my-custom-model", ["my-custom-model"])).toMatchObject({ kind: "openai" });
  });

  it("counts a row with the cookbook formula and its trained assistant tokens (weight 0 excluded)", () => {
    const counter = exampleTokenCounter("gpt-4o-mini-2024-07-18");
    const messages = [
      { role: "system", content: "Be terse <|endoftext|>" },
      { role: "user", content: "Hi", name: "ann" },
      { role: "assistant", content: "Old reply", weight: 0 },
      { role: "user", content: "Again?" },
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }] },
    ];
    const tools = [{ type: "function", function: { name: "lookup", parameters: {} } }];
    const got = counter.count({ kind: "chat", messages, tools, preference: null, extra: { parallel_tool_calls: false } });
    expect(got.tokenCount).toBe(countChatExampleTokens({ messages, tools }, "gpt-4o-mini"));
    expect(got.assistantTokens).toBe(countTextTokensForModel('lookup{"q":"x"}', "gpt-4o-mini"));
    expect(trainedAssistantTexts(messages)).toEqual(['lookup{"q":"x"}']);
    expect(counter.tokenLimit).toBe(65_536);
  });

  it("says which local model it cannot load", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "tf-models-"));
    try {
      expect(() => exampleTokenCounter("local:missing", { modelsDir: dir })).toThrow(/cannot count tokens for local:missing: .*tokenizer\.json is missing/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("sizes the thread pool to the cores, leaving one, between 1 and 8", () => {
    expect(defaultThreadCount(1)).toBe(1);
    expect(defaultThreadCount(2)).toBe(1);
    expect(defaultThreadCount(6)).toBe(5);
    expect(defaultThreadCount(64)).toBe(8);
  });
});

describe("DatasetFindings", () => {
  const row = (position: number, user: string, split: "train" | "validation" = "train", tokenCount: number | null = 10) => ({
    id: `r${position}`,
    position,
    split,
    tokenCount,
    fingerprint: fingerprintRow({ kind: "chat", messages: [{ role: "system", content: "shared" }, { role: "user", content: user }, { role: "assistant", content: "same reply" }], tools: null, preference: null, extra: null }),
  });

  it("names the first copy by its table number and keeps splits apart for duplicates", () => {
    const f = new DatasetFindings({ tokenLimit: 100, model: "m" });
    f.add(row(0, "Hello World"));
    f.add(row(1, "hello   world"));
    f.add(row(2, "Hello World", "validation", 500));
    const found = f.finish();
    expect(found.get("r1")![0]).toMatchObject({ code: "exact_duplicate", message: expect.stringMatching(/^same as example #1 /) });
    expect(referencedPosition(found.get("r1")![0]!.message)).toBe(0);
    // A validation copy of a training row is leakage, not a duplicate within its split.
    expect(found.get("r2")!.map((i) => i.code).sort()).toEqual(["split_leakage", "too_many_tokens"]);
    expect(f.counts).toEqual({ exactDuplicates: 1, nearDuplicates: 0, leaked: 1, overLimit: 1 });
  });
});
