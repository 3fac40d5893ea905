import { describe, expect, it } from "vitest";
import { suggestCsvMapping } from "./csv-preview";
import { MAX_LISTED, ReportBuilder, withoutLinePrefix } from "./report";
import { cleanFileName } from "./stage";

describe("ReportBuilder", () => {
  it("counts every finding by code, lists them without the line prefix and flags repeats", () => {
    const r = new ReportBuilder("openai-chat");
    r.valid(1, [], "h1");
    r.blank();
    r.invalid(3, [{ line: 3, code: "invalid_json", message: "line 3: not valid JSON" }]);
    r.valid(4, [{ line: 4, code: "last_message_not_assistant", message: "ends with user" }], "h1");
    const report = r.finish();
    expect(report).toMatchObject({ lines: 4, blankLines: 1, validLines: 2, invalidLines: 1, invalidLineNumbers: [3], errorCounts: { invalid_json: 1 } });
    expect(report.errors).toEqual([{ line: 3, code: "invalid_json", message: "not valid JSON" }]);
    expect(report.warnings.map((w) => [w.line, w.code])).toEqual([
      [4, "last_message_not_assistant"],
      [4, "exact_duplicate"],
      [0, "too_few_examples"],
    ]);
    expect(report.warnings[1]!.message).toMatch(/repeats line 1/);
  });

  it("keeps memory bounded: lists the first findings, counts all", () => {
    const r = new ReportBuilder("openai-chat");
    for (let i = 1; i <= MAX_LISTED + 5; i++) r.invalid(i, [{ line: i, code: "invalid_json", message: `line ${i}: bad` }]);
    const report = r.finish();
    expect(report.errors).toHaveLength(MAX_LISTED);
    expect(report.errorCounts.invalid_json).toBe(MAX_LISTED + 5);
    expect(report.truncated).toBe(true);
  });

  it("strips validator line prefixes", () => {
    expect(withoutLinePrefix("line 12 (validation): x")).toBe("x");
  });
});

describe("suggestCsvMapping", () => {
  it("recognizes common column names", () => {
    expect(suggestCsvMapping(["id", "System Prompt", "question", "answer"])).toEqual({ system: "System Prompt", user: "question", assistant: "answer" });
    expect(suggestCsvMapping(["prompt", "completion"])).toEqual({ user: "prompt", assistant: "completion" });
  });
  it("falls back to the first two columns", () => {
    expect(suggestCsvMapping(["a", "b", "c"])).toEqual({ user: "a", assistant: "b" });
  });
});

describe("cleanFileName", () => {
  it("keeps only the base name without control characters", () => {
    expect(cleanFileName("../../etc/passwd")).toBe("passwd");
    expect(cleanFileName("C:\\Users\\me\\data.jsonl")).toBe("data.jsonl");
    expect(cleanFileName("a\u0000b.jsonl")).toBe("ab.jsonl");
  });
});
