import { describe, expect, it } from "vitest";
import { bulkActionShape } from "./bulk";
import { findJsonSyntaxError } from "./json-position";
import { examplePatchShape, normalizeTags } from "./shape";
import { parseToolCallsText, parseToolsText, toJsonText } from "./tool-calls";

const firstMessage = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  r.error ? `${r.error.issues[0]!.path.join(".")}: ${r.error.issues[0]!.message}` : "ok";

describe("example patch shape", () => {
  it("accepts examples the validator will judge (empty content, odd roles, weights)", () => {
    const r = examplePatchShape.safeParse({
      messages: [
        { role: "developer", content: "" },
        { role: "assistant", content: null, tool_calls: [{ id: "x" }], weight: 7 },
        { role: "tool", content: "{}", tool_call_id: "x" },
      ],
    });
    expect(r.success).toBe(true);
  });

  it("refuses unstorable input with the field and what to do", () => {
    expect(firstMessage(examplePatchShape.safeParse({ messages: [{ role: "assistant", content: "x", tool_calls: "call" }] }))).toBe(
      'messages.0.tool_calls: tool_calls must be a JSON array of calls like [{"id": "call_1", "type": "function", "function": {…}}]',
    );
    expect(firstMessage(examplePatchShape.safeParse({ messages: [{ content: "x" }] }))).toMatch(/^messages\.0\.role: role must be a string/);
    expect(firstMessage(examplePatchShape.safeParse({ messages: [{ role: "user", content: 5 }] }))).toMatch(/^messages\.0\.content: content must be text/);
    expect(firstMessage(examplePatchShape.safeParse({ tools: { name: "x" } }))).toMatch(/^tools: tools must be a JSON array/);
    expect(firstMessage(examplePatchShape.safeParse({ extra: { messages: [] } }))).toMatch(/^extra: extra may not hold messages/);
    expect(firstMessage(examplePatchShape.safeParse({ split: "holdout" }))).toMatch(/^split: split must be train, validation or test/);
    expect(examplePatchShape.safeParse({ color: "red" }).success).toBe(false);
  });

  it("normalizes tags", () => {
    expect(normalizeTags([" a", "b ", "a", "", "  "])).toEqual(["a", "b"]);
  });
});

describe("bulk action shape", () => {
  it("needs tags for tag/untag and a split for set_split", () => {
    expect(firstMessage(bulkActionShape.safeParse({ ids: ["a"], action: "tag", tags: [" "] }))).toMatch(/^tags: give at least one non-empty tag to add/);
    expect(firstMessage(bulkActionShape.safeParse({ ids: ["a"], action: "set_split" }))).toMatch(/^split: choose the split/);
    expect(firstMessage(bulkActionShape.safeParse({ ids: [], action: "delete" }))).toMatch(/^ids: select at least one example/);
    expect(bulkActionShape.safeParse({ ids: ["a"], action: "delete" }).success).toBe(true);
  });
});

describe("tool calls text", () => {
  const call = { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } };

  it("empty text means no tool calls", () => {
    expect(parseToolCallsText("  ")).toEqual({ ok: true, value: undefined });
  });

  it("parses a valid list", () => {
    expect(parseToolCallsText(JSON.stringify([call]))).toEqual({ ok: true, value: [call] });
  });

  it("points at the line and column of a syntax error", () => {
    const r = parseToolCallsText('[\n  {"id": "call_1",\n   "type": }\n]');
    expect(r).toEqual({ ok: false, error: 'Not valid JSON at line 3, column 12: unexpected "}"; expected a value (object, array, string, number, true, false or null)' });
  });

  it("names the wrong part of a call", () => {
    expect(parseToolCallsText(JSON.stringify(call))).toMatchObject({ ok: false, error: expect.stringMatching(/must be a JSON array/) });
    expect(parseToolCallsText(JSON.stringify([{ ...call, type: "tool" }]))).toEqual({ ok: false, error: 'Tool call 1: "type" must be "function"' });
    expect(parseToolCallsText(JSON.stringify([{ ...call, function: { name: "f", arguments: { city: "Paris" } } }]))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^Tool call 1: "function.arguments" must be a string holding JSON/),
    });
    expect(parseToolCallsText(JSON.stringify([call, { ...call, function: { name: "f", arguments: "{city: Paris}" } }]))).toEqual({
      ok: false,
      error: 'Tool call 2: "function.arguments" is not valid JSON (at line 1, column 2: unexpected "c"; expected a property name in double quotes)',
    });
  });

  it("tools text: empty is none, otherwise an array of objects", () => {
    expect(parseToolsText("")).toEqual({ ok: true, value: null });
    expect(parseToolsText("[1]")).toEqual({ ok: false, error: "Tool 1 must be an object" });
    expect(toJsonText(null)).toBe("");
    expect(toJsonText([call])).toContain('"call_1"');
  });
});

describe("findJsonSyntaxError", () => {
  it("agrees with JSON.parse on what is valid", () => {
    const samples = ['{"a": [1, 2.5e3, -0, true, null, "x\\n\\u00e9"]}', "[]", " 1 ", '"s"', "{", '{"a" 1}', "[1,]", "01", '"\\x"', "[1] 2", "", "nul", '"a\nb"'];
    for (const s of samples) {
      let valid = true;
      try {
        JSON.parse(s);
      } catch {
        valid = false;
      }
      expect(findJsonSyntaxError(s) === null, s).toBe(valid);
    }
  });

  it("reports an unfinished text at its end", () => {
    expect(findJsonSyntaxError('{"a": [1,')).toMatchObject({ line: 1, column: 10, reason: expect.stringMatching(/^the text ends too early/) });
  });
});
