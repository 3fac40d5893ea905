import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { convertRecord, detectFormat } from "./formats";
import { exportJsonl, storedFields, writeJsonlFile, type StoredExample } from "./export";

// Mimics an import: parse each line, convert it with the format converters, keep the stored columns.
function importLines(text: string): StoredExample[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line, i) => {
      const record: unknown = JSON.parse(line);
      const format = detectFormat([record]);
      if (!format) throw new Error(`line ${i + 1}: unknown format`);
      const converted = convertRecord(record, format, i + 1);
      if ("error" in converted) throw new Error(converted.error.message);
      return { ...storedFields(converted), position: i, split: i % 3 === 2 ? "validation" : "train" };
    });
}

const source = [
  { messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }, { role: "assistant", content: "Hello!", weight: 1 }] },
  // Keys out of the canonical order: the first export normalizes them, later rounds keep them.
  { tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }], messages: [{ role: "user", content: "call f" }, { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] }] },
  { input: { messages: [{ role: "user", content: "Pick" }] }, preferred_output: [{ role: "assistant", content: "A" }], non_preferred_output: [{ role: "assistant", content: "B" }] },
  { messages: [{ role: "user", content: "ünïcödé \u2028 \"quotes\"" }, { role: "assistant", content: "ok" }] },
]
  .map((r) => JSON.stringify(r))
  .join("\n");

describe("exportJsonl", () => {
  it("import → export → import → export is byte-identical", () => {
    const first = exportJsonl({ examples: importLines(source) }).join("");
    const second = exportJsonl({ examples: importLines(first) }).join("");
    expect(second).toBe(first);
    // Compact OpenAI chat lines already in canonical order pass through unchanged.
    expect(first.split("\n")[0]).toBe(source.split("\n")[0]);
  });

  it("writes preference examples in OpenAI's DPO shape", () => {
    const [line] = exportJsonl({ examples: importLines(source), split: "validation" });
    expect(JSON.parse(line!)).toEqual({
      input: { messages: [{ role: "user", content: "Pick" }] },
      preferred_output: [{ role: "assistant", content: "A" }],
      non_preferred_output: [{ role: "assistant", content: "B" }],
    });
  });

  it("orders by position, filters by split and ends every line with a newline", () => {
    const examples = importLines(source).reverse();
    const lines = exportJsonl({ examples, split: "train" });
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n"))).toBe(true);
    expect(JSON.parse(lines[0]!).messages[0].content).toBe("Be brief.");
  });
});

describe("writeJsonlFile", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("streams lines to the file, leaves no .tmp behind and reports bytes and sha256", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tf-export-"));
    const file = path.join(dir, "train.jsonl");
    const lines = exportJsonl({ examples: importLines(source) });
    const shared = createHash("sha256");
    const result = await writeJsonlFile(file, lines, { hash: shared });
    const bytes = await readFile(file);
    expect(bytes.toString("utf8")).toBe(lines.join(""));
    expect(result).toEqual({ bytes: bytes.length, lines: 4, sha256: createHash("sha256").update(bytes).digest("hex") });
    expect(shared.digest("hex")).toBe(result.sha256);
    expect(await readdir(dir)).toEqual(["train.jsonl"]);
  });
});

describe("extra top-level keys", () => {
  it("stores parallel_tool_calls apart from messages/tools and writes it back after tools", () => {
    const converted = convertRecord({ parallel_tool_calls: false, messages: [{ role: "user", content: "x" }, { role: "assistant", content: "y" }] }, "openai-chat", 1);
    if ("error" in converted) throw new Error(converted.error.message);
    const stored = storedFields(converted);
    expect(stored.extra).toEqual({ parallel_tool_calls: false });
    const [line] = exportJsonl({ examples: [{ ...stored, tools: [], position: 0, split: "train" }] });
    expect(line).toBe('{"messages":[{"role":"user","content":"x"},{"role":"assistant","content":"y"}],"tools":[],"parallel_tool_calls":false}\n');
  });
});
