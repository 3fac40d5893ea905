import { describe, expect, it } from "vitest";
import { formatImport, parseCsvMap } from "./import";
import type { ImportView } from "../../lib/datasets/import/types";

describe("parseCsvMap", () => {
  it("reads ROLE=COLUMN pairs", () => {
    expect(parseCsvMap("user=question, assistant=answer,system=sys")).toEqual({ user: "question", assistant: "answer", system: "sys" });
  });
  it("says what is wrong", () => {
    expect(parseCsvMap("user=q")).toMatch(/needs user=COLUMN and assistant=COLUMN/);
    expect(parseCsvMap("bot=q,user=a")).toMatch(/"bot=q" is not ROLE=COLUMN/);
  });
});

describe("formatImport", () => {
  const view = (over: Partial<ImportView>): ImportView => ({
    id: "i1", datasetId: "d1", fileName: "f.jsonl", format: "openai-chat", status: "needs_review",
    options: { format: "auto", skipInvalid: false, split: "train" }, bytes: 10, bytesRead: 10, lines: 3, imported: 0, skipped: 0, error: null,
    createdAt: "", finishedAt: null,
    report: { format: "openai-chat", lines: 3, blankLines: 0, validLines: 2, invalidLines: 1, errors: [{ line: 2, code: "invalid_json", message: "not valid JSON" }], warnings: [], errorCounts: { invalid_json: 1 }, warningCounts: {}, invalidLineNumbers: [2], truncated: false },
    ...over,
  });
  it("lists errors by code with line numbers and tells how to go on", () => {
    const text = formatImport({ file: "f.jsonl", dataset: "D" }, view({}));
    expect(text).toContain("invalid_json (1)\n    line 2: not valid JSON");
    expect(text).toContain("add --skip-invalid to import the 2 valid lines");
  });
  it("reports success with skipped lines", () => {
    expect(formatImport({ file: "f.jsonl", dataset: "D" }, view({ status: "succeeded", imported: 2, skipped: 1 }))).toContain("Imported 2 examples; skipped 1 line with errors");
  });
});
