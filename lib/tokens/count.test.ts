import { describe, expect, it } from "vitest";
import { countTextTokens } from "./encoders";
import {
  countChatExampleTokens,
  countTextTokensForModel,
  encodingNameForModel,
  openAiTokenCounter,
  tokenLimitForModel,
} from "./count";

describe("encodingNameForModel", () => {
  it("uses o200k_base for gpt-4o, gpt-4.1 and the o-series", () => {
    for (const m of ["gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "gpt-4.1-nano-2025-04-14", "o4-mini-2025-04-16", "o1", "gpt-5"]) {
      expect(encodingNameForModel(m), m).toBe("o200k_base");
    }
  });

  it("uses cl100k_base for gpt-3.5 and gpt-4", () => {
    for (const m of ["gpt-3.5-turbo", "gpt-3.5-turbo-0125", "gpt-4", "gpt-4-0613", "gpt-4-turbo-2024-04-09", "davinci-002"]) {
      expect(encodingNameForModel(m), m).toBe("cl100k_base");
    }
  });

  it("strips ft: prefixes", () => {
    expect(encodingNameForModel("ft:gpt-4o-mini-2024-07-18:org::abc123")).toBe("o200k_base");
    expect(encodingNameForModel("ft:gpt-3.5-turbo-0125:acme:support:9xYz")).toBe("cl100k_base");
  });
});

describe("tokenLimitForModel", () => {
  it("is 65,536 for the gpt-4o / 4o-mini / 4.1 families and 16,385 for gpt-3.5-turbo", () => {
    expect(tokenLimitForModel("gpt-4o-2024-08-06")).toBe(65_536);
    expect(tokenLimitForModel("gpt-4o-mini-2024-07-18")).toBe(65_536);
    expect(tokenLimitForModel("gpt-4.1-mini-2025-04-14")).toBe(65_536);
    expect(tokenLimitForModel("gpt-3.5-turbo-0125")).toBe(16_385);
    expect(tokenLimitForModel("gpt-3.5-turbo-0613")).toBe(4_096);
    expect(tokenLimitForModel("ft:gpt-4o-mini-2024-07-18:org::x")).toBe(65_536);
  });
});

describe("text tokens", () => {
  it("matches known counts", () => {
    // "hello world" is ["hello", " world"] in both encodings.
    expect(countTextTokens("hello world", "o200k_base")).toBe(2);
    expect(countTextTokens("hello world", "cl100k_base")).toBe(2);
    expect(countTextTokens("", "o200k_base")).toBe(0);
    expect(countTextTokensForModel("user", "gpt-4o")).toBe(1);
  });

  it("differs between cl100k and o200k where the vocabularies differ", () => {
    // o200k has many more multi-byte merges: non-English text takes fewer tokens.
    const text = "Привет, как дела? Это пример текста на русском языке.";
    expect(countTextTokens(text, "o200k_base")).toBeLessThan(countTextTokens(text, "cl100k_base"));
  });

  it("gives the same count from the short-text cache and for long uncached text", () => {
    const short = "Refunds take 5 business days.";
    const first = countTextTokens(short, "o200k_base");
    expect(countTextTokens(short, "o200k_base")).toBe(first);
    // The cache is per encoding: the same text under cl100k is counted with cl100k.
    expect(countTextTokens("Привет мир", "cl100k_base")).not.toBe(countTextTokens("Привет мир", "o200k_base"));
    // Over the cache's length limit, so counted fresh: 1000 × ("hello" or " hello", " world").
    const long = Array(1000).fill("hello world").join(" ");
    expect(countTextTokens(long, "o200k_base")).toBe(2000);
  });

  it("counts special-token strings as ordinary text instead of throwing", () => {
    for (const enc of ["o200k_base", "cl100k_base"] as const) {
      expect(countTextTokens("<|endoftext|>", enc)).toBeGreaterThan(1);
      expect(countTextTokens("a <|im_start|> b <|fim_prefix|>", enc)).toBeGreaterThan(3);
    }
  });
});

describe("countChatExampleTokens (cookbook formula)", () => {
  it("is 3 per message + role + content, + name + 1, + 3 reply priming", () => {
    // 3 (priming) + 3 (message) + 1 ("user") + 2 ("hello world")
    expect(countChatExampleTokens({ messages: [{ role: "user", content: "hello world" }] }, "gpt-4o")).toBe(9);
    // + "bob" (1 token) + 1 for the name
    expect(countChatExampleTokens({ messages: [{ role: "user", name: "bob", content: "hello world" }] }, "gpt-4o")).toBe(11);
    // two messages: 3 + (3 + 1 + 2) + (3 + 1 ("assistant") + 1 ("hi"))
    const two = { messages: [{ role: "user", content: "hello world" }, { role: "assistant", content: "hi" }] };
    expect(countChatExampleTokens(two, "gpt-4o-mini")).toBe(14);
    expect(countChatExampleTokens(two, "gpt-3.5-turbo")).toBe(14);
  });

  it("counts text parts of multi-part content and ignores image parts", () => {
    const ex = { messages: [{ role: "user", content: [{ type: "text", text: "hello world" }, { type: "image_url", image_url: { url: "https://x/y.png" } }] }] };
    expect(countChatExampleTokens(ex, "gpt-4o")).toBe(9);
  });

  it("counts tool calls, tool_call_id and tool definitions as estimates", () => {
    const call = { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: '{"id":42}' } }] };
    const bare = countChatExampleTokens({ messages: [{ role: "assistant", content: null }] }, "gpt-4o");
    expect(bare).toBe(3 + 3 + 1);
    const expectedCall = bare + countTextTokens('lookup{"id":42}', "o200k_base");
    expect(countChatExampleTokens({ messages: [call] }, "gpt-4o")).toBe(expectedCall);
    const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }];
    expect(countChatExampleTokens({ messages: [call], tools }, "gpt-4o")).toBe(expectedCall + countTextTokens(JSON.stringify(tools), "o200k_base"));
    const result = { role: "tool", tool_call_id: "c1", content: "ok" };
    expect(countChatExampleTokens({ messages: [result] }, "gpt-4o")).toBe(
      3 + 3 + countTextTokens("tool", "o200k_base") + countTextTokens("c1", "o200k_base") + countTextTokens("ok", "o200k_base"),
    );
  });

  it("does not throw on malformed messages or special-token content", () => {
    expect(countChatExampleTokens({ messages: [null, 42, { role: 7, content: { a: 1 } }] }, "gpt-4o")).toBe(3 + 9);
    expect(countChatExampleTokens({ messages: [{ role: "user", content: "<|endoftext|>" }] }, "ft:gpt-4o-mini-2024-07-18:o::x")).toBeGreaterThan(9);
  });
});

describe("openAiTokenCounter", () => {
  it("carries the model's limit and counts like the functions", () => {
    const c = openAiTokenCounter("gpt-3.5-turbo-0125");
    expect(c.tokenLimit).toBe(16_385);
    expect(c.countText("hello world")).toBe(2);
    expect(c.countExample({ messages: [{ role: "user", content: "hello world" }] })).toBe(9);
  });
});
