import { describe, expect, it } from "vitest";
import { countChatTokens, countTextTokens } from "./tokens";

describe("token counting (o200k_base)", () => {
  it("counts plain text", () => {
    expect(countTextTokens("")).toBe(0);
    expect(countTextTokens("hello world")).toBe(2);
  });

  it("does not throw on text that looks like a special token", () => {
    expect(countTextTokens("<|endoftext|>")).toBeGreaterThan(1);
  });

  it("applies the cookbook chat formula: 3 per message, role and content, +3 reply priming", () => {
    // 3 (priming) + 3 (message) + 1 ("user") + 2 ("hello world")
    expect(countChatTokens([{ role: "user", content: "hello world" }])).toBe(9);
    // a name adds its tokens plus one
    expect(countChatTokens([{ role: "user", name: "bob", content: "hello world" }])).toBe(9 + countTextTokens("bob") + 1);
  });

  it("counts text parts of multi-part content and tool-call arguments", () => {
    const parts = countChatTokens([{ role: "user", content: [{ type: "text", text: "hello world" }, { type: "image_url" }] }]);
    expect(parts).toBe(9);
    const withCall = countChatTokens([
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: '{"id":42}' } }] },
    ]);
    expect(withCall).toBeGreaterThan(countChatTokens([{ role: "assistant", content: null }]));
  });
});
