import { describe, expect, it } from "vitest";
import { chatReducer, EMPTY_CHAT, messagesFor, unansweredCalls } from "./chat-state";

describe("playground chat state", () => {
  it("keeps each side's own history and measures time to first token from Send", () => {
    let c = chatReducer(EMPTY_CHAT, { type: "send", side: "base", text: "hi", at: 1000 });
    c = chatReducer(c, { type: "send", side: "tuned", text: "hi", at: 1000 });
    c = chatReducer(c, { type: "token", side: "base", text: "Hel", at: 1250 });
    c = chatReducer(c, { type: "token", side: "base", text: "lo", at: 1300 });
    c = chatReducer(c, { type: "token", side: "tuned", text: "Yo", at: 1400 });
    expect(c.base.live).toMatchObject({ text: "Hello", state: "streaming", firstAt: 1250 });
    c = chatReducer(c, { type: "done", side: "base", stats: { tokensPerSecond: 40, tokens: 2, finishReason: "stop" } });
    c = chatReducer(c, { type: "ended", side: "tuned" });
    expect(c.base.turns.at(-1)).toEqual({ role: "assistant", content: "Hello", stats: { timeToFirstTokenMs: 250, tokensPerSecond: 40, tokens: 2, finishReason: "stop" } });
    expect(c.tuned.turns.at(-1)).toMatchObject({ content: "Yo", stats: { finishReason: "stopped", timeToFirstTokenMs: 400 } });
    expect(messagesFor(c.base, "Be brief.", "again")).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "hi" },
      { role: "assistant", content: "Hello" },
      { role: "user", content: "again" },
    ]);
    expect(messagesFor(c.tuned, " ", "again").map((m) => m.content)).toEqual(["hi", "Yo", "again"]);
  });

  it("the worker's note on where a reply runs shows while it streams and stays with the finished turn", () => {
    let c = chatReducer(EMPTY_CHAT, { type: "send", side: "base", text: "hi", at: 0 });
    c = chatReducer(c, { type: "start", side: "base" });
    expect(c.base.live).not.toHaveProperty("note");
    c = chatReducer(c, { type: "start", side: "base", note: "Generated on the CPU: training job j1 is using the GPU." });
    c = chatReducer(c, { type: "token", side: "base", text: "Hello", at: 5 });
    expect(c.base.live?.note).toBe("Generated on the CPU: training job j1 is using the GPU.");
    c = chatReducer(c, { type: "done", side: "base", stats: { tokensPerSecond: 3, tokens: 1, finishReason: "stop", backend: "cpu" } });
    expect(c.base.turns.at(-1)).toMatchObject({ content: "Hello", note: "Generated on the CPU: training job j1 is using the GPU.", stats: { backend: "cpu" } });
    // A start for a side with no reply in flight (a late message after Clear) changes nothing.
    expect(chatReducer(EMPTY_CHAT, { type: "start", side: "tuned", note: "x" })).toBe(EMPTY_CHAT);
  });

  it("an error ends the reply and is left out of the next request's history", () => {
    let c = chatReducer(EMPTY_CHAT, { type: "send", side: "base", text: "hi", at: 0 });
    c = chatReducer(c, { type: "error", side: "base", message: "No model folder" });
    expect(c.base.live).toBeNull();
    expect(c.base.turns.at(-1)).toMatchObject({ role: "assistant", error: "No model folder" });
    expect(messagesFor(c.base, "", "next")).toEqual([{ role: "user", content: "next" }]);
  });
});

describe("tool results in the playground", () => {
  it("a tool's result is sent as a tool message after the reply that called it, and kept in that side's history", () => {
    let c = chatReducer(EMPTY_CHAT, { type: "send", side: "tuned", text: "Paint the sky", at: 0 });
    c = chatReducer(c, { type: "token", side: "tuned", text: '<tool_call>\n{"name": "paint", "arguments": {"color": "blue"}}\n</tool_call>', at: 1 });
    c = chatReducer(c, { type: "done", side: "tuned", stats: { tokensPerSecond: 1, tokens: 20, finishReason: "stop" } });
    expect(messagesFor(c.tuned, "", "painted", "tool").slice(-2)).toEqual([
      { role: "assistant", content: '<tool_call>\n{"name": "paint", "arguments": {"color": "blue"}}\n</tool_call>' },
      { role: "tool", content: "painted" },
    ]);
    c = chatReducer(c, { type: "send", side: "tuned", text: "painted", at: 2, role: "tool" });
    expect(c.tuned.turns.at(-1)).toEqual({ role: "tool", content: "painted" });
    expect(messagesFor(c.tuned, "", "thanks").map((m) => m.role)).toEqual(["user", "assistant", "tool", "user"]);
  });
});

describe("a hosted reply's calls, answered by id", () => {
  const calls = [
    { id: "call_a", name: "paint", arguments: '{"color":"blue"}' },
    { id: "call_b", name: "paint", arguments: '{"color":"red"}' },
  ];
  it("keeps the calls with the reply, answers them in order, and sends them back as the API wants them", () => {
    let c = chatReducer(EMPTY_CHAT, { type: "send", side: "tuned", text: "Paint both", at: 0 });
    c = chatReducer(c, { type: "token", side: "tuned", text: "Painting.", at: 1 });
    c = chatReducer(c, { type: "done", side: "tuned", stats: { tokensPerSecond: 1, tokens: 9, finishReason: "tool_calls", backend: "openai" }, toolCalls: calls });
    expect(c.tuned.turns.at(-1)).toMatchObject({ role: "assistant", content: "Painting.", toolCalls: calls });
    expect(unansweredCalls(c.tuned).map((x) => x.id)).toEqual(["call_a", "call_b"]);
    // The first result asks for no reply: the reply's second call is still unanswered.
    c = chatReducer(c, { type: "append", side: "tuned", text: "blue: done", toolCallId: "call_a" });
    expect(c.tuned.live).toBeNull();
    expect(unansweredCalls(c.tuned).map((x) => x.id)).toEqual(["call_b"]);
    expect(messagesFor(c.tuned, "", "red: done", "tool", "call_b")).toEqual([
      { role: "user", content: "Paint both" },
      {
        role: "assistant",
        content: "Painting.",
        tool_calls: [
          { id: "call_a", type: "function", function: { name: "paint", arguments: '{"color":"blue"}' } },
          { id: "call_b", type: "function", function: { name: "paint", arguments: '{"color":"red"}' } },
        ],
      },
      { role: "tool", content: "blue: done", tool_call_id: "call_a" },
      { role: "tool", content: "red: done", tool_call_id: "call_b" },
    ]);
    c = chatReducer(c, { type: "send", side: "tuned", text: "red: done", at: 2, role: "tool", toolCallId: "call_b" });
    expect(c.tuned.turns.at(-1)).toEqual({ role: "tool", content: "red: done", toolCallId: "call_b" });
    expect(unansweredCalls(c.tuned)).toEqual([]);
  });

  it("a reply without calls, or a failed one, leaves nothing to answer", () => {
    let c = chatReducer(EMPTY_CHAT, { type: "send", side: "base", text: "hi", at: 0 });
    c = chatReducer(c, { type: "done", side: "base", stats: { tokensPerSecond: 1, tokens: 1, finishReason: "stop" }, toolCalls: [] });
    expect(c.base.turns.at(-1)).not.toHaveProperty("toolCalls");
    expect(unansweredCalls(c.base)).toEqual([]);
    // Appending while a reply streams would cut into it: refused.
    c = chatReducer(c, { type: "send", side: "base", text: "again", at: 1 });
    expect(chatReducer(c, { type: "append", side: "base", text: "x", toolCallId: "call_a" })).toBe(c);
  });
});
