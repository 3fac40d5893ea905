import { describe, expect, it } from "vitest";
import { overlappingPrompts, samplesOfLines } from "./samples";

// A held-out line with tool calls becomes a sample whose prompt keeps the earlier calls and their results, whose
// tools go with it, and whose expected reply is the final turn's content followed by its calls as <tool_call> text.

const weatherTool = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } };
const call = (id: string, city: string) => ({ id, type: "function", function: { name: "get_weather", arguments: JSON.stringify({ city }) } });
const line = (n: number, value: Record<string, unknown>) => ({ line: n, value, hash: `h${n}` });

describe("samplesOfLines with tool calls", () => {
  const lines = [
    line(1, {
      messages: [
        { role: "user", content: "Weather in Paris, then Oslo?" },
        { role: "assistant", content: null, tool_calls: [call("call_1", "Paris")] },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
        { role: "assistant", content: "Paris is sunny; checking Oslo.", tool_calls: [call("call_2", "Oslo")] },
      ],
      tools: [weatherTool],
    }),
    line(2, { messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello!" }] }),
  ];

  it("keeps calls, results and tools, and writes the expected calls after the content", () => {
    const { samples, skipped } = samplesOfLines(lines);
    expect(skipped).toEqual([]);
    expect(samples[0]!.prompt).toEqual([
      { role: "user", content: "Weather in Paris, then Oslo?" },
      { role: "assistant", content: "", tool_calls: [call("call_1", "Paris")] },
      { role: "tool", content: "sunny", tool_call_id: "call_1" },
    ]);
    expect(samples[0]!.tools).toEqual([weatherTool]);
    expect(samples[0]!.expected).toBe('Paris is sunny; checking Oslo.\n<tool_call>\n{"name": "get_weather", "arguments": {"city":"Oslo"}}\n</tool_call>');
    expect(samples[1]).toMatchObject({ prompt: [{ role: "user", content: "Hi" }], tools: null, expected: "Hello!" });
  });

  it("matches a training line's prompt with its calls when counting held-out prompts seen in training", () => {
    const { samples } = samplesOfLines(lines);
    expect(overlappingPrompts(samples, [lines[0]!])).toBe(1);
    const otherCall = line(3, { messages: [...(lines[0]!.value.messages as object[]).slice(0, 1), { role: "assistant", content: null, tool_calls: [call("call_1", "Lima")] }, { role: "tool", tool_call_id: "call_1", content: "sunny" }, { role: "assistant", content: "x" }] });
    expect(overlappingPrompts(samples, [otherCall])).toBe(0);
  });
});
