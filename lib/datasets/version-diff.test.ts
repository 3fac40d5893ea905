import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { diffVersions, readVersionEntries, type DiffEntry } from "./version-diff";

const chat = (user: string, assistant: string, split: DiffEntry["split"] = "train", id?: string): DiffEntry => ({
  split,
  record: { messages: [{ role: "user", content: user }, { role: "assistant", content: assistant }] },
  ...(id ? { id } : {}),
});

describe("diffVersions", () => {
  it("matches by content, pairs edited answers by prompt and reports the rest as added or removed", () => {
    const a = [chat("same", "1"), chat("fix me", "wrong"), chat("gone", "x"), chat("dup", "d"), chat("dup", "d")];
    const b = [chat("fix me", "right"), chat("same", "1"), chat("new", "y"), chat("dup", "d")];
    const diff = diffVersions(a, b);
    expect(diff.unchanged).toBe(2);
    expect(diff.changed).toEqual([{ before: chat("fix me", "wrong"), after: chat("fix me", "right") }]);
    // One of two identical duplicates was removed; "gone" shares no prompt with "new", so they do not pair.
    expect(diff.removed).toEqual([chat("gone", "x"), chat("dup", "d")]);
    expect(diff.added).toEqual([chat("new", "y")]);
  });

  it("treats key order and whitespace in content as no change, and a split move as a change", () => {
    const a: DiffEntry[] = [{ split: "train", record: { messages: [{ content: "hi ", role: "user" }] } }];
    const b: DiffEntry[] = [{ split: "train", record: { messages: [{ role: "user", content: "hi" }] } }];
    expect(diffVersions(a, b)).toEqual({ added: [], removed: [], changed: [], unchanged: 1 });
    const moved = diffVersions([chat("q", "a")], [chat("q", "a", "validation")]);
    expect(moved.changed).toHaveLength(1);
  });

  it("uses ids when every entry has one", () => {
    const diff = diffVersions([chat("q", "a", "train", "e1"), chat("r", "b", "train", "e2")], [chat("q2", "a", "train", "e1"), chat("s", "c", "train", "e3")]);
    expect(diff.changed.map((c) => c.after.id)).toEqual(["e1"]);
    expect(diff.removed.map((e) => e.id)).toEqual(["e2"]);
    expect(diff.added.map((e) => e.id)).toEqual(["e3"]);
    expect(diff.unchanged).toBe(0);
  });
});

describe("readVersionEntries", () => {
  it("reads train then validation lines with their split", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "tf-diff-"));
    try {
      await writeFile(path.join(root, "train.jsonl"), `${JSON.stringify(chat("a", "1").record)}\n`);
      await writeFile(path.join(root, "validation.jsonl"), `${JSON.stringify(chat("b", "2").record)}\n`);
      const entries = await readVersionEntries({ trainPath: "train.jsonl", validationPath: "validation.jsonl" }, root);
      expect(entries).toEqual([chat("a", "1"), chat("b", "2", "validation")]);
      expect(await readVersionEntries({ trainPath: "train.jsonl", validationPath: null }, root)).toEqual([chat("a", "1")]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
