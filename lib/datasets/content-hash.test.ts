import { describe, expect, it } from "vitest";
import { canonicalJson, exampleContentHash } from "./content-hash";

describe("exampleContentHash", () => {
  const messages = [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello!" },
  ];

  it("ignores key order, line endings and surrounding whitespace", () => {
    const reordered = [
      { content: "  Hi\r\n", role: "user" },
      { content: "Hello!", role: "assistant" },
    ];
    expect(exampleContentHash({ messages: reordered })).toBe(exampleContentHash({ messages }));
  });

  it("changes with the content, the message order and the tools", () => {
    const base = exampleContentHash({ messages });
    expect(exampleContentHash({ messages: [messages[0], { role: "assistant", content: "Hello" }] })).not.toBe(base);
    expect(exampleContentHash({ messages: [...messages].reverse() })).not.toBe(base);
    expect(exampleContentHash({ messages, tools: [{ type: "function", function: { name: "f" } }] })).not.toBe(base);
  });

  it("is a sha256 hex digest", () => {
    expect(exampleContentHash({ messages })).toMatch(/^[0-9a-f]{64}$/);
  });

  it("treats a null tools field like an absent one", () => {
    expect(exampleContentHash({ messages, tools: null })).toBe(exampleContentHash({ messages }));
  });

  it("sorts nested keys", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });
});
