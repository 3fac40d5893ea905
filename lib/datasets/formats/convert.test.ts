import { describe, expect, it } from "vitest";
import { checkCsvMapping, convertRecord, csvRowFromRecord, detectFormat, parseCsv, type ConvertResult } from "./index";

function ok(result: ConvertResult) {
  if ("error" in result) throw new Error(`unexpected error: ${result.error.message}`);
  return result;
}
function err(result: ConvertResult) {
  if (!("error" in result)) throw new Error("expected an error");
  return result.error;
}

describe("OpenAI chat JSONL", () => {
  const lines = [
    '{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!","weight":1}]}',
    '{"messages":[{"role":"user","content":"Weather in Paris?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"18C"},{"role":"assistant","content":"18 °C.","weight":0}],"tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],"parallel_tool_calls":false}',
    '{"messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}}]},{"role":"assistant","content":"A cat."}]}',
    '{"z":1,"messages":[{"content":"key order kept","role":"user"},{"role":"assistant","content":"\\u00e9\\n"}],"a":[]}',
  ];

  it("passes every line through unchanged: serializing back is byte-identical", () => {
    for (const [i, text] of lines.entries()) {
      const parsed: unknown = JSON.parse(text);
      const result = ok(convertRecord(parsed, "openai-chat", i + 1));
      expect(result.kind).toBe("chat");
      expect(result.example).toBe(parsed);
      // Compact lines come back byte for byte; escaped forms come back in JSON.stringify's form, which is then stable.
      const out = JSON.stringify(result.example);
      if (!text.includes("\\u00e9")) expect(out).toBe(text);
      expect(JSON.stringify(ok(convertRecord(JSON.parse(out), "openai-chat", 1)).example)).toBe(out);
    }
  });

  it("moves an assistant's separate reasoning_content (vLLM, DeepSeek) into its content as a think block", () => {
    const r = ok(convertRecord({ messages: [{ role: "user", content: "2+2?" }, { role: "assistant", content: "4", reasoning_content: "Two and two make four." }] }, "openai-chat", 1));
    expect(r.example).toEqual({ messages: [{ role: "user", content: "2+2?" }, { role: "assistant", content: "<think>\nTwo and two make four.\n</think>\n\n4" }] });
    // OpenRouter's and newer vLLM's "reasoning"; an empty thinking adds nothing but is dropped as a key.
    const r2 = ok(convertRecord({ messages: [{ role: "assistant", content: "4", reasoning: "Sum." }, { role: "assistant", content: "5", reasoning_content: "" }] }, "openai-chat", 2));
    expect(r2.example.messages).toEqual([{ role: "assistant", content: "<think>\nSum.\n</think>\n\n4" }, { role: "assistant", content: "5" }]);
    // A tool-call turn with thinking keeps its calls; a user's "reasoning" key is not touched (the validator names it).
    const call = { id: "c1", type: "function", function: { name: "f", arguments: "{}" } };
    const r3 = ok(convertRecord({ messages: [{ role: "user", content: "x", reasoning: "n/a" }, { role: "assistant", content: null, tool_calls: [call], reasoning_content: "Call f." }] }, "openai-chat", 3));
    expect(r3.example.messages).toEqual([{ role: "user", content: "x", reasoning: "n/a" }, { role: "assistant", content: "<think>\nCall f.\n</think>\n\n", tool_calls: [call] }]);
  });

  it("rejects records that are not chat examples, naming the line", () => {
    expect(err(convertRecord([1, 2], "openai-chat", 7))).toEqual({ line: 7, code: "data_type", message: "line 7: expected a JSON object, got an array" });
    expect(err(convertRecord({ prompt: "x" }, "openai-chat", 3)).code).toBe("missing_field");
    expect(err(convertRecord({ messages: "hi" }, "openai-chat", 4))).toMatchObject({ line: 4, code: "invalid_field" });
    expect(err(convertRecord({ messages: [] }, "openai-chat", 5)).code).toBe("empty_conversation");
  });
});

describe("DPO preference JSONL", () => {
  const pref = {
    input: { messages: [{ role: "user", content: "Hi" }], tools: [], parallel_tool_calls: true },
    preferred_output: [{ role: "assistant", content: "Hello! How can I help?" }],
    non_preferred_output: [{ role: "assistant", content: "What." }],
  };

  it("is recognized and returned unchanged as preference data", () => {
    expect(detectFormat([pref])).toBe("preference");
    const result = ok(convertRecord(pref, "preference", 1));
    expect(result.kind).toBe("preference");
    expect(result.example).toBe(pref);
  });

  it("reports missing parts and the old field names", () => {
    expect(err(convertRecord({ ...pref, input: undefined }, "preference", 2))).toMatchObject({ line: 2, code: "missing_field" });
    expect(err(convertRecord({ ...pref, input: { messages: [] } }, "preference", 2)).code).toBe("empty_conversation");
    expect(err(convertRecord({ input: pref.input, preferred_output: pref.preferred_output }, "preference", 3)).message).toBe(
      'line 3: preference example has no "non_preferred_output"; add a list with one assistant message',
    );
    expect(err(convertRecord({ ...pref, preferred_output: "x" }, "preference", 4)).code).toBe("invalid_field");
    const old = { input: pref.input, preferred_completion: [], non_preferred_completion: [] };
    expect(err(convertRecord(old, "preference", 5)).message).toMatch(/rename them to "preferred_output"/);
  });
});

describe("Alpaca", () => {
  it("joins instruction and a non-empty input with a blank line", () => {
    const result = ok(convertRecord({ instruction: "Translate to French.", input: "Good morning", output: "Bonjour" }, "alpaca", 1));
    expect(result.example).toEqual({
      messages: [
        { role: "user", content: "Translate to French.\n\nGood morning" },
        { role: "assistant", content: "Bonjour" },
      ],
    });
  });

  it("uses the instruction alone when input is empty or absent, and a system field when present", () => {
    const noInput = ok(convertRecord({ instruction: "Say hi.", input: "  ", output: "Hi" }, "alpaca", 1)).example;
    expect(noInput).toEqual({ messages: [{ role: "user", content: "Say hi." }, { role: "assistant", content: "Hi" }] });
    const sys = ok(convertRecord({ system: "Be terse.", instruction: "Say hi.", output: "Hi" }, "alpaca", 1)).example;
    expect(sys.messages).toEqual([
      { role: "system", content: "Be terse." },
      { role: "user", content: "Say hi." },
      { role: "assistant", content: "Hi" },
    ]);
  });

  it("reports a missing or non-string field with the line", () => {
    expect(err(convertRecord({ instruction: "x" }, "alpaca", 9))).toEqual({
      line: 9,
      code: "missing_field",
      message: 'line 9: Alpaca record has no "output" field; add it',
    });
    expect(err(convertRecord({ instruction: "x", input: 5, output: "y" }, "alpaca", 2)).code).toBe("invalid_field");
    expect(err(convertRecord("text", "alpaca", 3)).code).toBe("data_type");
  });
});

describe("ShareGPT", () => {
  it("maps human/gpt/system/tool to roles in order", () => {
    const record = {
      conversations: [
        { from: "system", value: "You are helpful." },
        { from: "human", value: "2+2?" },
        { from: "gpt", value: "4" },
        { from: "tool", value: "{}" },
      ],
    };
    expect(ok(convertRecord(record, "sharegpt", 1)).example.messages).toEqual([
      { role: "system", content: "You are helpful." },
      { role: "user", content: "2+2?" },
      { role: "assistant", content: "4" },
      { role: "tool", content: "{}" },
    ]);
  });

  it("reports unknown speakers, bad turns and empty conversations with the turn index", () => {
    expect(err(convertRecord({ conversations: [{ from: "bot", value: "x" }] }, "sharegpt", 4))).toEqual({
      line: 4,
      code: "unrecognized_role",
      message: 'line 4: conversations[0].from is "bot"; use human, gpt, system or tool',
    });
    expect(err(convertRecord({ conversations: [{ from: "human", value: "a" }, { from: "gpt" }] }, "sharegpt", 5)).message).toMatch(
      /conversations\[1\]\.value must be a string, got nothing/,
    );
    expect(err(convertRecord({ conversations: [] }, "sharegpt", 6)).code).toBe("empty_conversation");
    expect(err(convertRecord({ conversations: {} }, "sharegpt", 7)).code).toBe("invalid_field");
  });
});

describe("prompt/completion", () => {
  it("becomes one user and one assistant turn, verbatim", () => {
    expect(ok(convertRecord({ prompt: "Q: sky?\n\n###\n\n", completion: " blue END" }, "prompt-completion", 1)).example).toEqual({
      messages: [
        { role: "user", content: "Q: sky?\n\n###\n\n" },
        { role: "assistant", content: " blue END" },
      ],
    });
    expect(err(convertRecord({ prompt: "x", completion: null }, "prompt-completion", 8))).toMatchObject({ line: 8, code: "invalid_field" });
  });
});

describe("CSV", () => {
  const text = 'sys,question,answer\n"Be kind.","Hi, you?","Fine, ""thanks""."\n,"multi\nline",ok\nonly,two\n';
  const [head, ...records] = parseCsv(text);
  const header = head!.fields;
  const mapping = { system: "sys", user: "question", assistant: "answer" };

  it("converts rows with the caller's column mapping; an empty system cell adds no message", () => {
    expect(checkCsvMapping(header, mapping)).toBeNull();
    const row1 = csvRowFromRecord(header, records[0]!);
    expect(ok(convertRecord(row1, "csv", records[0]!.line, { csvMapping: mapping })).example.messages).toEqual([
      { role: "system", content: "Be kind." },
      { role: "user", content: "Hi, you?" },
      { role: "assistant", content: 'Fine, "thanks".' },
    ]);
    const row2 = csvRowFromRecord(header, records[1]!);
    expect(ok(convertRecord(row2, "csv", records[1]!.line, { csvMapping: mapping })).example.messages).toEqual([
      { role: "user", content: "multi\nline" },
      { role: "assistant", content: "ok" },
    ]);
  });

  it("reports a short row, an unknown mapped column and a missing mapping with line numbers", () => {
    expect(csvRowFromRecord(header, records[2]!)).toEqual({
      error: {
        line: 5,
        code: "invalid_field",
        message: "line 5: row has 2 fields but the header has 3; quote fields that contain commas or line breaks",
      },
    });
    expect(checkCsvMapping(header, { user: "prompt", assistant: "answer" })?.message).toMatch(/the user column "prompt" is not in the header/);
    expect(err(convertRecord({ question: "a", answer: "b" }, "csv", 2)).code).toBe("missing_column_mapping");
  });
});

describe("detectFormat", () => {
  it("recognizes each JSONL format by its keys", () => {
    expect(detectFormat([{ messages: [] }])).toBe("openai-chat");
    expect(detectFormat([{ instruction: "a", input: "", output: "b" }])).toBe("alpaca");
    expect(detectFormat([{ conversations: [] }])).toBe("sharegpt");
    expect(detectFormat([{ prompt: "a", completion: "b" }])).toBe("prompt-completion");
    expect(detectFormat([{ input: {}, preferred_output: [], non_preferred_output: [] }])).toBe("preference");
  });

  it("lets the majority win over a stray first line and returns null when nothing is recognized", () => {
    expect(detectFormat([{ prompt: "a", completion: "b" }, { messages: [] }, null, { messages: [] }])).toBe("openai-chat");
    expect(detectFormat([42, "x", { foo: 1 }])).toBeNull();
    expect(detectFormat([])).toBeNull();
  });
});
