import { describe, expect, it } from "vitest";
import { callScores, callsOfToolCalls, formatCalls, parseCalls, replyText } from "./index";
import { parsePythonicCalls } from "./pythonic";

const weather = { name: "get_weather", arguments: { city: "Paris", days: 3 } };

describe("tool calls as text", () => {
  it("writes OpenAI tool_calls as <tool_call> blocks after the content and reads them back", () => {
    const calls = callsOfToolCalls([
      { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","days":3}' } },
      { id: "call_2", type: "function", function: { name: "now", arguments: "{}" } },
    ]);
    expect(calls).toEqual([weather, { name: "now", arguments: {} }]);
    expect(replyText("", calls)).toBe('<tool_call>\n{"name": "get_weather", "arguments": {"city":"Paris","days":3}}\n</tool_call>\n<tool_call>\n{"name": "now", "arguments": {}}\n</tool_call>');
    expect(replyText("Checking.", [weather]).startsWith("Checking.\n<tool_call>\n")).toBe(true);
    expect(replyText("Plain answer", [])).toBe("Plain answer");
    expect(parseCalls(replyText("Checking.", calls))).toEqual(calls);
  });

  it("keeps arguments that are not JSON as the string they were", () => {
    expect(callsOfToolCalls([{ function: { name: "f", arguments: "{oops" } }, { function: { arguments: "{}" } }])).toEqual([{ name: "f", arguments: "{oops" }]);
  });
});

describe("parseCalls reads each family's format", () => {
  it("Hermes / Qwen blocks, also with arguments written as a JSON string, and an unterminated last block", () => {
    expect(parseCalls('<think>\nhm\n</think>\n<tool_call>\n{"name": "get_weather", "arguments": {"days": 3, "city": "Paris"}}\n</tool_call>')).toEqual([{ name: "get_weather", arguments: { days: 3, city: "Paris" } }]);
    expect(parseCalls('<tool_call>{"name": "f", "arguments": "{\\"a\\": 1}"}</tool_call>')).toEqual([{ name: "f", arguments: { a: 1 } }]);
    expect(parseCalls('<tool_call>\n{"name": "f", "arguments": {}}')).toEqual([{ name: "f", arguments: {} }]);
    expect(parseCalls("<tool_call>\n{broken json\n</tool_call>")).toEqual([]);
  });

  it("LFM2's Pythonic list and its JSON form between its tokens", () => {
    expect(parseCalls('<|tool_call_start|>[get_weather(city="Paris", days=3), now()]<|tool_call_end|>It is sunny.')).toEqual([weather, { name: "now", arguments: {} }]);
    expect(parseCalls('<|tool_call_start|>[{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}]<|tool_call_end|>')).toEqual([weather]);
  });

  it("Phi-4-mini, Mistral (v3 list and v11 named), Llama (bare object with parameters, python_tag, several)", () => {
    expect(parseCalls('<|tool_call|>[{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}]<|/tool_call|>')).toEqual([weather]);
    expect(parseCalls('[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}]</s>')).toEqual([weather]);
    expect(parseCalls('[TOOL_CALLS]get_weather[ARGS]{"city": "Paris", "days": 3}[TOOL_CALLS]now[CALL_ID]abc123456[ARGS]{}')).toEqual([weather, { name: "now", arguments: {} }]);
    expect(parseCalls('{"name": "get_weather", "parameters": {"city": "Paris", "days": 3}}')).toEqual([weather]);
    expect(parseCalls('<|python_tag|>{"type": "function", "name": "get_weather", "parameters": {"city": "Paris", "days": 3}}<|eom_id|>')).toEqual([weather]);
    expect(parseCalls('{"name": "now", "parameters": {}}; {"name": "get_weather", "parameters": {"city": "Paris", "days": 3}}')).toEqual([{ name: "now", arguments: {} }, weather]);
  });

  it("answers that merely contain JSON or mention calls are not calls", () => {
    expect(parseCalls('{"name": "Ada", "age": 36}')).toEqual([]);
    expect(parseCalls('[{"name": "Ada"}]')).toEqual([]);
    expect(parseCalls('Call it like {"name": "f", "arguments": {}} please')).toEqual([]);
    expect(parseCalls("The weather in Paris is sunny.")).toEqual([]);
    expect(parseCalls("")).toEqual([]);
  });
});

describe("parsePythonicCalls", () => {
  it("reads Python literals of every kind into JSON values", () => {
    expect(parsePythonicCalls(`[f(s='it\\'s', d="a\\n\\u00e9", n=-1.5e2, t=True, no=False, nil=None, l=[1, (2, 3)], m={'k': [None]}, x=0x)]`)).toBeNull();
    expect(parsePythonicCalls(`[f(s='it\\'s', d="a\\n\\u00e9", n=-1.5e2, t=True, no=False, nil=None, l=[1, (2, 3),], m={'k': [None]})]`)).toEqual([
      { name: "f", arguments: { s: "it's", d: "a\né", n: -150, t: true, no: false, nil: null, l: [1, [2, 3]], m: { k: [null] } } },
    ]);
    expect(parsePythonicCalls("get_time()")).toEqual([{ name: "get_time", arguments: {} }]);
    expect(parsePythonicCalls("[]")).toEqual([]);
  });

  it("refuses positional arguments, expressions and trailing text", () => {
    expect(parsePythonicCalls('[f("Paris")]')).toBeNull();
    expect(parsePythonicCalls("[f(a=1+2)]")).toBeNull();
    expect(parsePythonicCalls("[f(a=1)] and more")).toBeNull();
    expect(parsePythonicCalls('[f(a="unterminated)]')).toBeNull();
  });
});

/** As sampleMetrics reads them: both sides' calls from their text. */
const callScoresOfText = (output: string, expected: string | null) => callScores(parseCalls(output), expected === null ? [] : parseCalls(expected));

describe("call scores", () => {
  it("compares as multisets with JSON-value arguments", () => {
    const now = { name: "now", arguments: {} };
    expect(callScores([now, weather], [weather, now])).toEqual({ toolCallMatch: 1, toolNameMatch: 1 });
    expect(callScores([{ name: "get_weather", arguments: { days: 3.0, city: "Paris" } }], [weather])).toEqual({ toolCallMatch: 1, toolNameMatch: 1 });
    expect(callScores([{ name: "get_weather", arguments: { city: "Paris", days: "3" } }], [weather])).toEqual({ toolCallMatch: 0, toolNameMatch: 1 });
    expect(callScores([{ name: "get_weather", arguments: { city: "Paris" } }], [weather])).toEqual({ toolCallMatch: 0, toolNameMatch: 1 });
    expect(callScores([weather, weather], [weather])).toEqual({ toolCallMatch: 0, toolNameMatch: 0 });
    expect(callScores([], [weather])).toEqual({ toolCallMatch: 0, toolNameMatch: 0 });
    expect(callScores([now], [weather])).toEqual({ toolCallMatch: 0, toolNameMatch: 0 });
  });

  it("no call expected and none made is a match; a call where an answer was expected is not", () => {
    expect(callScoresOfText("Sunny.", "It is sunny.")).toEqual({ toolCallMatch: 1, toolNameMatch: 1 });
    expect(callScoresOfText(formatCalls([weather]), "It is sunny.")).toEqual({ toolCallMatch: 0, toolNameMatch: 0 });
    expect(callScoresOfText('<|tool_call_start|>[get_weather(days=3, city="Paris")]<|tool_call_end|>', formatCalls([weather]))).toEqual({ toolCallMatch: 1, toolNameMatch: 1 });
    expect(callScoresOfText("anything", null)).toEqual({ toolCallMatch: 1, toolNameMatch: 1 });
  });
});
