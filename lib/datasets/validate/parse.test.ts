import { describe, expect, it } from "vitest";
import { findDuplicateKeys } from "./duplicate-keys";
import { parseJsonLine } from "./parse";

describe("findDuplicateKeys", () => {
  it("finds repeats at any depth with their paths", () => {
    const text = '{"messages":[{"role":"user","content":"a","content":"b"},{"role":"assistant","role":"user"}],"messages":[]}';
    expect(findDuplicateKeys(text)).toEqual([
      { path: "messages[0].content", key: "content" },
      { path: "messages[1].role", key: "role" },
      { path: "messages", key: "messages" },
    ]);
  });

  it("is not fooled by keys in string values, escapes, or the same key in sibling objects", () => {
    expect(findDuplicateKeys('{"a":"\\"a\\": 1, \\"a\\"","b":{"a":1},"c":[{"a":1},{"a":2}]}')).toEqual([]);
    expect(findDuplicateKeys('{"a\\u0062":1,"ab":2}')).toEqual([{ path: "ab", key: "ab" }]);
    expect(findDuplicateKeys('{"x":[[1,{"k":1,"k":2}]]}')).toEqual([{ path: "x[0][1].k", key: "k" }]);
  });
});

describe("parseJsonLine", () => {
  it("invalid_json with the line and the parser's reason", () => {
    const r = parseJsonLine('{"messages": [}', 4);
    expect(r.ok).toBe(false);
    expect(r.issues[0]).toMatchObject({ line: 4, code: "invalid_json", severity: "error" });
    expect(r.issues[0]!.message).toMatch(/^line 4: not valid JSON \(/);
  });

  it("parses valid lines and reports duplicate keys as errors", () => {
    const r = parseJsonLine('{"a":1,"a":2}', 9);
    expect(r).toMatchObject({ ok: true, value: { a: 2 } });
    expect(r.issues).toEqual([expect.objectContaining({ line: 9, code: "duplicate_key", severity: "error", path: "a" })]);
    expect(parseJsonLine('{"a":1}', 1).issues).toEqual([]);
  });
});
