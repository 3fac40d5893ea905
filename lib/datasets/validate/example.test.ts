import { describe, expect, it } from "vitest";
import { validateExample } from "./example";
import type { ExampleContext } from "./types";

// Every per-example rule, each with an example that triggers it and one that does not.

const ctx: ExampleContext = { line: 7 };
const codes = (raw: unknown, c = ctx) => validateExample(raw, c).map((i) => i.code);
const u = (content: unknown) => ({ role: "user", content });
const a = (content: unknown, extra: Record<string, unknown> = {}) => ({ role: "assistant", content, ...extra });
const ok = { messages: [{ role: "system", content: "Be brief." }, u("Hi"), a("Hello!")] };
const call = (id: string, args = "{}") => ({ id, type: "function", function: { name: "lookup", arguments: args } });

describe("validateExample: the cookbook's format errors", () => {
  it("accepts a well-formed example", () => {
    expect(validateExample(ok, ctx)).toEqual([]);
  });

  it("data_type: the line must be an object", () => {
    for (const raw of [[1, 2], "text", 3, null]) expect(codes(raw)).toEqual(["data_type"]);
    const issue = validateExample([ok], ctx)[0]!;
    expect(issue).toMatchObject({ line: 7, severity: "error" });
    expect(issue.message).toMatch(/^line 7: the line is a list/);
  });

  it("data_type: each message must be an object", () => {
    expect(codes({ messages: ["hi", a("x")] })).toContain("data_type");
  });

  it("missing_messages_list: absent, empty or not a list", () => {
    expect(codes({ prompt: "x" })).toEqual(["missing_messages_list"]);
    expect(codes({ messages: [] })).toEqual(["missing_messages_list"]);
    expect(codes({ messages: "hi" })).toEqual(["missing_messages_list"]);
    expect(codes(ok)).not.toContain("missing_messages_list");
  });

  it("message_missing_key: role, content, tool_call_id", () => {
    expect(codes({ messages: [{ content: "hi" }, a("x")] })).toContain("message_missing_key");
    expect(codes({ messages: [{ role: "user" }, a("x")] })).toContain("message_missing_key");
    const tool = { messages: [u("q"), a(null, { tool_calls: [call("c1")] }), { role: "tool", content: "r" }, a("done")] };
    const issues = validateExample(tool, ctx);
    expect(issues.map((i) => i.code)).toEqual(["message_missing_key"]);
    expect(issues[0]!.path).toBe("messages[2].tool_call_id");
  });

  it("message_unrecognized_key: keys the role does not take", () => {
    const issues = validateExample({ messages: [{ ...u("hi"), weight: 1 }, a("x", { foo: 1 })] }, ctx);
    expect(issues.map((i) => i.path)).toEqual(["messages[0].weight", "messages[1].foo"]);
    expect(issues.every((i) => i.code === "message_unrecognized_key")).toBe(true);
    expect(codes({ messages: [u("hi"), a("x", { weight: 0, name: "bot_1" }), u("more"), a("y")] })).toEqual([]);
    // A reasoning server's thinking: the message says that importing the file keeps it.
    const [reasoning] = validateExample({ messages: [u("hi"), a("x", { reasoning_content: "think" })] }, ctx);
    expect(reasoning!.message).toMatch(/has key "reasoning_content".*importing the file .* moves this thinking into the content as a <think> block$/);
  });

  it("unrecognized_role: developer and made-up roles, with a hint for developer", () => {
    expect(codes({ messages: [{ role: "bot", content: "x" }, a("y")] })).toContain("unrecognized_role");
    const dev = validateExample({ messages: [{ role: "developer", content: "x" }, u("q"), a("y")] }, ctx);
    expect(dev.map((i) => i.code)).toEqual(["unrecognized_role"]);
    expect(dev[0]!.message).toMatch(/use "system"/);
    expect(codes({ messages: [u("q"), { role: "function", name: "f", content: "{}" }, a("y")] })).toEqual([]);
  });

  it("missing_content: null or empty content", () => {
    expect(codes({ messages: [u(null), a("x")] })).toEqual(["missing_content"]);
    expect(codes({ messages: [u(""), a("x")] })).toEqual(["missing_content"]);
    expect(codes({ messages: [u([]), a("x")] })).toEqual(["missing_content"]);
    expect(codes({ messages: [u("q"), a(null)] })).toEqual(["missing_content"]);
  });

  it("example_missing_assistant_message", () => {
    expect(codes({ messages: [u("q")] })).toContain("example_missing_assistant_message");
    expect(codes(ok)).not.toContain("example_missing_assistant_message");
  });
});

describe("validateExample: where the cookbook is wrong", () => {
  it("an assistant tool call may have null, empty or no content", () => {
    for (const content of [null, ""]) {
      expect(codes({ messages: [u("q"), a(content, { tool_calls: [call("c1")] }), { role: "tool", tool_call_id: "c1", content: "42" }, a("It is 42.")] })).toEqual([]);
    }
    expect(codes({ messages: [u("q"), { role: "assistant", tool_calls: [call("c1")] }, { role: "tool", tool_call_id: "c1", content: "42" }, a("42")] })).toEqual([]);
    expect(codes({ messages: [u("q"), { role: "assistant", function_call: { name: "f", arguments: "{}" } }, { role: "function", name: "f", content: "1" }, a("1")] })).toEqual([]);
  });

  it("unknown_tool_call_id: tool messages answer an earlier call", () => {
    const late = { messages: [u("q"), { role: "tool", tool_call_id: "c1", content: "r" }, a(null, { tool_calls: [call("c1")] }), a("x")] };
    expect(codes(late)).toContain("unknown_tool_call_id");
    const wrong = { messages: [u("q"), a(null, { tool_calls: [call("c1")] }), { role: "tool", tool_call_id: "c9", content: "r" }, a("x")] };
    const issue = validateExample(wrong, ctx).find((i) => i.code === "unknown_tool_call_id")!;
    expect(issue.message).toMatch(/line 7: messages\[2\]\.tool_call_id "c9"/);
    const parallel = { messages: [u("q"), a(null, { tool_calls: [call("c1"), call("c2")] }), { role: "tool", tool_call_id: "c2", content: "b" }, { role: "tool", tool_call_id: "c1", content: "a" }, a("x")] };
    expect(codes(parallel)).toEqual([]);
  });

  it("undefined_tool and tool_arguments_not_object: well-formed calls that teach the wrong thing", () => {
    const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object" } } };
    const named = (name: string, args = "{}") => ({ id: "c1", type: "function", function: { name, arguments: args } });
    const offered = (c: object) => ({ messages: [u("q"), a(null, { tool_calls: [c] }), { role: "tool", tool_call_id: "c1", content: "r" }, a("x")], tools: [weather] });
    expect(codes(offered(named("get_weather", '{"city": "Paris"}')))).toEqual([]);
    const wrong = validateExample(offered(named("get_wether")), ctx).find((i) => i.code === "undefined_tool")!;
    expect(wrong.message).toBe('line 7: messages[1].tool_calls[0] calls "get_wether", which the example\'s tools do not define (they define "get_weather"); add its definition to "tools" or fix the name');
    expect(wrong.severity).toBe("warning");
    // Without tools on the line there is nothing to check the name against.
    expect(codes({ messages: [u("q"), a(null, { tool_calls: [named("anything")] }), { role: "tool", tool_call_id: "c1", content: "r" }, a("x")] })).toEqual([]);
    for (const args of ['["Paris"]', '"Paris"', "42", "null"]) expect(codes(offered(named("get_weather", args)))).toEqual(["tool_arguments_not_object"]);
  });

  it("invalid_tool_call: malformed calls and non-JSON arguments", () => {
    expect(codes({ messages: [u("q"), a(null, { tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: { x: 1 } } }] })] })).toContain("invalid_tool_call");
    expect(codes({ messages: [u("q"), a(null, { tool_calls: [call("c1", "{x:")] })] })).toContain("invalid_tool_call");
    expect(codes({ messages: [u("q"), a(null, { tool_calls: [{ id: "c1", function: { name: "f", arguments: "{}" } }] })] })).toContain("invalid_tool_call");
    expect(codes({ messages: [u("q"), a(null, { tool_calls: "f()" })] })).toContain("invalid_tool_call");
  });

  it("invalid_weight: only 0 or 1", () => {
    for (const weight of [2, 0.5, "1", true, null]) expect(codes({ messages: [u("q"), a("x", { weight })] })).toContain("invalid_weight");
    for (const weight of [0, 1]) expect(codes({ messages: [u("q"), a("x", { weight: 0 }), u("r"), a("y", { weight })] })).not.toContain("invalid_weight");
  });

  it("no_trained_assistant_message: every assistant weight 0", () => {
    expect(codes({ messages: [u("q"), a("x", { weight: 0 })] })).toEqual(["no_trained_assistant_message"]);
    expect(codes({ messages: [u("q"), a("x", { weight: 0 }), u("r"), a("y")] })).toEqual([]);
  });
});

describe("validateExample: content types", () => {
  it("invalid_content: numbers, booleans and objects, with the fix", () => {
    const num = validateExample({ messages: [u(42), a("x")] }, ctx);
    expect(num.map((i) => i.code)).toEqual(["invalid_content"]);
    expect(num[0]!.message).toMatch(/messages\[0\]\.content is the number 42; .*quote it \("42"\)/);
    expect(codes({ messages: [u("q"), a(true)] })).toEqual(["invalid_content"]);
    expect(codes({ messages: [u({ text: "q" }), a("x")] })).toEqual(["invalid_content"]);
  });

  it("content parts: text and image_url for users; images nowhere else; unknown part types refused", () => {
    const image = { type: "image_url", image_url: { url: "https://example.com/cat.png" } };
    expect(codes({ messages: [u([{ type: "text", text: "What is this?" }, image]), a("A cat.")] })).toEqual([]);
    expect(codes({ messages: [u("q"), a([{ type: "text", text: "A cat." }])] })).toEqual([]);
    expect(codes({ messages: [u("q"), a([image])] })).toEqual(["invalid_content"]);
    expect(codes({ messages: [u([{ type: "input_audio", input_audio: {} }]), a("x")] })).toEqual(["invalid_content"]);
    expect(codes({ messages: [u([{ type: "image_url", image_url: { url: "ftp://x" } }]), a("x")] })).toEqual(["invalid_content"]);
    expect(codes({ messages: [u([{ type: "text" }]), a("x")] })).toEqual(["invalid_content"]);
    expect(codes({ messages: [u([1, 2]), a("x")] })).toEqual(["invalid_content", "invalid_content"]);
    const dataUrl = (type: string) => ({ type: "image_url", image_url: { url: `data:image/${type};base64,AAAA` } });
    expect(codes({ messages: [u([dataUrl("png"), dataUrl("jpeg"), dataUrl("webp")]), a("x")] })).toEqual([]);
    expect(codes({ messages: [u([dataUrl("gif")]), a("x")] })).toEqual(["invalid_content"]);
  });

  it("invalid_content: more than 10 images in one example", () => {
    const image = { type: "image_url", image_url: { url: "https://example.com/i.png" } };
    expect(codes({ messages: [u(Array(10).fill(image)), a("x")] })).toEqual([]);
    const issues = validateExample({ messages: [u(Array(6).fill(image)), a("x"), u(Array(5).fill(image)), a("y")] }, ctx);
    expect(issues.map((i) => i.code)).toEqual(["invalid_content"]);
    expect(issues[0]!.message).toMatch(/11 images in one example; .* at most 10/);
  });

  it("empty_content: whitespace-only text", () => {
    expect(codes({ messages: [u("  \n\t"), a("x")] })).toEqual(["empty_content"]);
    expect(codes({ messages: [u([{ type: "text", text: " " }]), a("x")] })).toEqual(["empty_content"]);
    expect(codes({ messages: [u(" q "), a("x")] })).toEqual([]);
  });
});

describe("validateExample: conversation order", () => {
  it("system_not_first", () => {
    expect(codes({ messages: [u("q"), { role: "system", content: "s" }, a("x")] })).toEqual(["system_not_first"]);
    expect(codes(ok)).toEqual([]);
  });

  it("consecutive_same_role for user and assistant turns, not for parallel tool results", () => {
    const issues = validateExample({ messages: [u("q"), u("q2"), a("x")] }, ctx);
    expect(issues.map((i) => [i.code, i.severity])).toEqual([["consecutive_same_role", "warning"]]);
    expect(codes({ messages: [u("q"), a("x"), a("y")] })).toEqual(["consecutive_same_role"]);
  });

  it("missing_user_message is a warning", () => {
    const issues = validateExample({ messages: [{ role: "system", content: "s" }, a("x")] }, ctx);
    expect(issues.map((i) => [i.code, i.severity])).toEqual([["missing_user_message", "warning"]]);
  });

  it("last_message_not_assistant is a warning", () => {
    const issues = validateExample({ messages: [u("q"), a("x"), u("thanks")] }, ctx);
    expect(issues.map((i) => [i.code, i.severity])).toEqual([["last_message_not_assistant", "warning"]]);
  });
});

describe("validateExample: top-level fields", () => {
  it("tools and parallel_tool_calls are checked; unknown keys warned", () => {
    const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }];
    expect(codes({ ...ok, tools, parallel_tool_calls: false })).toEqual([]);
    expect(codes({ ...ok, tools: { lookup: {} } })).toEqual(["invalid_example_field"]);
    expect(codes({ ...ok, tools: [{ name: "lookup" }] })).toEqual(["invalid_example_field"]);
    expect(codes({ ...ok, parallel_tool_calls: "no" })).toEqual(["invalid_example_field"]);
    expect(codes({ ...ok, functions: {} })).toEqual(["invalid_example_field"]);
    const extra = validateExample({ ...ok, id: 3 }, ctx);
    expect(extra.map((i) => [i.code, i.severity])).toEqual([["unrecognized_example_key", "warning"]]);
  });
});

describe("validateExample: token limit", () => {
  const counting = { line: 2, countTokens: () => 120, tokenLimit: 100 };
  it("too_many_tokens over the limit, quiet at or under it, skipped without a counter", () => {
    const issues = validateExample(ok, counting);
    expect(issues.map((i) => [i.code, i.severity])).toEqual([["too_many_tokens", "warning"]]);
    expect(issues[0]!.message).toMatch(/~120 tokens, over the 100-token limit/);
    expect(codes(ok, { ...counting, tokenLimit: 120 })).toEqual([]);
    expect(codes(ok, { line: 2 })).toEqual([]);
  });
});

describe("validateExample: DPO preference lines", () => {
  const pref = {
    input: { messages: [u("Write a haiku about rain.")] },
    preferred_output: [a("Soft rain on the roof")],
    non_preferred_output: [a("Rain is water.")],
  };

  it("are recognized, not flagged as missing messages", () => {
    expect(validateExample(pref, ctx)).toEqual([]);
  });

  it("need input.messages and exactly one text assistant reply per output", () => {
    expect(codes({ ...pref, input: {} })).toEqual(["invalid_preference"]);
    expect(codes({ ...pref, preferred_output: [] })).toEqual(["invalid_preference"]);
    expect(codes({ ...pref, preferred_output: [a("x"), a("y")] })).toEqual(["invalid_preference"]);
    expect(codes({ ...pref, non_preferred_output: [u("x")] })).toEqual(["invalid_preference"]);
    expect(codes({ ...pref, non_preferred_output: [a(null)] })).toEqual(["invalid_preference"]);
    expect(codes({ ...pref, non_preferred_output: [a("   ")] })).toEqual(["empty_content"]);
    expect(codes({ ...pref, non_preferred_output: pref.preferred_output })).toEqual(["invalid_preference"]);
    expect(codes({ input: pref.input, preferred_output: pref.preferred_output })).toEqual(["invalid_preference"]);
  });

  it("check the prompt messages with the chat rules, paths under input.", () => {
    const issues = validateExample({ ...pref, input: { messages: [{ role: "user", content: 5 }] } }, ctx);
    expect(issues.map((i) => [i.code, i.path])).toEqual([["invalid_content", "input.messages[0].content"]]);
    expect(issues[0]!.message).toMatch(/input\.messages\[0\]\.content/);
    expect(codes({ ...pref, input: { messages: [u("q"), a("reply")] } })).toEqual(["invalid_preference"]);
  });
});
