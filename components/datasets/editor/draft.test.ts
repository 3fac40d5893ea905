import { describe, expect, it } from "vitest";
import { blankMessage, draftFrom, nextRole, patchFrom, readablePath, type EditorExampleData } from "./draft";

const example = (over: Partial<EditorExampleData> = {}): EditorExampleData => ({
  id: "e1",
  kind: "chat",
  position: 0,
  messages: [
    { role: "user", content: "weather in Paris?", name: "ann" },
    { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "w", arguments: "{}" } }] },
    { role: "tool", content: "sunny", tool_call_id: "c1" },
    { role: "assistant", content: "Sunny.", weight: 0 },
  ],
  tools: null,
  extra: { parallel_tool_calls: false, seed: 1 },
  preference: null,
  split: "train",
  splitManual: false,
  tags: ["a"],
  issues: [],
  errorCount: 0,
  warningCount: 0,
  tokenCount: null,
  updatedAt: "2026-01-01T00:00:00.000Z",
  ...over,
});

describe("editor draft", () => {
  it("an untouched draft has nothing to save", () => {
    const e = example();
    expect(patchFrom(draftFrom(e), e)).toEqual({ patch: {}, problems: {} });
  });

  it("round-trips hidden keys, null tool-call content, weight and extra", () => {
    const e = example();
    const d = draftFrom(e);
    d.messages[3]!.content = "Sunny today.";
    d.parallel = "on";
    const { patch } = patchFrom(d, e);
    expect(patch.messages).toEqual([
      { role: "user", content: "weather in Paris?", name: "ann" },
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "w", arguments: "{}" } }] },
      { role: "tool", content: "sunny", tool_call_id: "c1" },
      { role: "assistant", content: "Sunny today.", weight: 0 },
    ]);
    expect(patch.extra).toEqual({ seed: 1, parallel_tool_calls: true });
    expect(patch.split).toBeUndefined();
  });

  it("invalid tool calls JSON is a problem named after the message, and the rest still builds", () => {
    const e = example();
    const d = draftFrom(e);
    d.messages[1]!.toolCallsText = "[{";
    expect(patchFrom(d, e).problems).toEqual({ "Tool calls of message 2": expect.stringMatching(/^Not valid JSON at line 1, column 3/) });
  });

  it("split and tags changes are patched alone", () => {
    const e = example();
    const d = draftFrom(e);
    d.split = "validation";
    d.tags = ["a", "b"];
    expect(patchFrom(d, e).patch).toEqual({ split: "validation", tags: ["a", "b"] });
  });

  it("suggests the next role of the conversation", () => {
    expect(nextRole([])).toBe("user");
    expect(nextRole([blankMessage("system")])).toBe("user");
    expect(nextRole([blankMessage("user")])).toBe("assistant");
    const call = blankMessage("assistant");
    call.toolCallsText = '[{"id":"c"}]';
    expect(nextRole([call])).toBe("tool");
    expect(nextRole([blankMessage("assistant")])).toBe("user");
  });
});

describe("DPO draft", () => {
  const dpo = example({
    kind: "preference",
    messages: [{ role: "user", content: "Say hi" }],
    extra: null,
    preference: { preferred_output: [{ role: "assistant", content: "Hi!" }], non_preferred_output: [{ role: "assistant", content: "Go away." }] },
  });

  it("edits the outputs as their own message lists and patches them together", () => {
    const d = draftFrom(dpo);
    expect(patchFrom(d, dpo).patch).toEqual({});
    d.nonPreferred[0]!.content = "No.";
    expect(patchFrom(d, dpo).patch).toEqual({
      preference: { preferred_output: [{ role: "assistant", content: "Hi!" }], non_preferred_output: [{ role: "assistant", content: "No." }] },
    });
  });

  it("names problems after the list they are in", () => {
    const d = draftFrom(dpo);
    d.preferred[0]!.toolCallsText = "{";
    expect(Object.keys(patchFrom(d, dpo).problems)).toEqual(["Tool calls of preferred message 1"]);
  });
});

describe("readablePath", () => {
  it("numbers messages from 1 like the cards", () => {
    expect(readablePath("messages[1].content")).toBe("message 2 · content");
    expect(readablePath("messages[0].tool_calls[0].function.arguments")).toBe("message 1 · tool_calls[0] · function · arguments");
    expect(readablePath("non_preferred_output[0].content")).toBe("non-preferred message 1 · content");
  });
});
