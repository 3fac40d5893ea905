import { describe, expect, it } from "vitest";
import { exampleDerivedColumns, PREVIEW_CHARS } from "./derive";
import { issueColumns, toStoredIssue, withDatasetIssues, withExampleIssues, type StoredIssue } from "./issues";

describe("exampleDerivedColumns", () => {
  it("previews the first user message and the last assistant reply, and counts messages", () => {
    const d = exampleDerivedColumns({
      kind: "chat",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi  there\nfriend" },
        { role: "assistant", content: "Hello." },
        { role: "user", content: "Weather?" },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } }] },
      ],
    });
    expect(d.messageCount).toBe(5);
    expect(d.promptPreview).toBe("Hi there friend");
    expect(d.replyPreview).toBe('weather({"city":"Oslo"})');
    expect(d.searchText).toContain("Be brief.");
    expect(d.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("cuts long previews, drops NUL from search text and shows image parts", () => {
    const d = exampleDerivedColumns({
      kind: "chat",
      messages: [
        { role: "user", content: [{ type: "text", text: "look\u0000" }, { type: "image_url", image_url: { url: "https://x/y.png" } }] },
        { role: "assistant", content: "x".repeat(2000) },
      ],
    });
    expect(d.promptPreview).toBe("look [image]");
    expect(d.replyPreview.length).toBe(PREVIEW_CHARS);
    expect(d.replyPreview.endsWith("…")).toBe(true);
    expect(d.searchText).not.toContain("\u0000");
  });

  it("previews the preferred output of a DPO example", () => {
    const d = exampleDerivedColumns({
      kind: "preference",
      messages: [{ role: "user", content: "Pick" }],
      preference: { preferred_output: [{ role: "assistant", content: "Good" }], non_preferred_output: [{ role: "assistant", content: "Bad" }] },
    });
    expect(d.replyPreview).toBe("Good");
    expect(d.searchText).toContain("Bad");
  });
});

describe("issue columns", () => {
  const shape: StoredIssue = { code: "missing_content", severity: "error", message: "content is empty" };
  const dup: StoredIssue = { code: "exact_duplicate", severity: "warning", message: "repeats another example" };

  it("strips the line prefix of validator messages", () => {
    expect(toStoredIssue({ code: "empty_content", severity: "error", message: "line 4: content is only whitespace" }).message).toBe("content is only whitespace");
  });

  it("keeps each writer's findings apart", () => {
    const both = issueColumns([shape, dup]);
    expect(both).toMatchObject({ issueCodes: ["exact_duplicate", "missing_content"], errorCount: 1, warningCount: 1 });
    // A save that fixes the shape problem keeps the duplicate finding the analysis made…
    expect(withExampleIssues(both.issues, []).issues).toEqual([dup]);
    // …and an analysis that finds no duplicate keeps the shape finding.
    expect(withDatasetIssues(both.issues, [])).toMatchObject({ issues: [shape], issueCodes: ["missing_content"], errorCount: 1, warningCount: 0 });
  });
});

describe("newExampleRow", async () => {
  const { newExampleRow } = await import("./build");
  it("keeps extra keys, derives the table columns and records example-level findings", () => {
    const row = newExampleRow(
      { kind: "chat", example: { parallel_tool_calls: true, messages: [{ role: "user", content: "  " }, { role: "assistant", content: "ok" }] } },
      { datasetId: "d1", position: 3, split: "validation", tags: ["a"], source: "f.jsonl:4" },
    );
    expect(row).toMatchObject({ datasetId: "d1", position: 3, split: "validation", tags: ["a"], source: "f.jsonl:4", extra: { parallel_tool_calls: true }, messageCount: 2, replyPreview: "ok", tokenCount: null });
    expect(row.issueCodes).toContain("empty_content");
    expect(row.errorCount).toBeGreaterThan(0);
    expect(JSON.stringify(row.issues)).not.toMatch(/line 0/);
  });
});
