import { describe, expect, it } from "vitest";
import { changedParts, entryPreview } from "./diff";
import { datasetSlug, exportFilename } from "./export";

describe("export file names", () => {
  it("slugs the dataset name and names the version and split", () => {
    expect(datasetSlug("Sample — TechCorp support")).toBe("sample-techcorp-support");
    expect(datasetSlug("Émile's \"best\" set!")).toBe("emile-s-best-set");
    expect(datasetSlug("———")).toBe("dataset");
    expect(exportFilename("Sample — TechCorp support", 3, "train")).toBe("sample-techcorp-support-v3-train.jsonl");
    expect(exportFilename("x", "working", "all")).toBe("x-working-all.jsonl");
  });
});

describe("diff previews", () => {
  const user = (content: unknown) => ({ role: "user", content });
  const assistant = (content: unknown, extra: Record<string, unknown> = {}) => ({ role: "assistant", content, ...extra });

  it("shows the first user message and the last reply, with images and tool calls named", () => {
    const record = {
      messages: [
        user([{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "https://x/y.png" } }]),
        assistant(null, { tool_calls: [{ id: "1", type: "function", function: { name: "f", arguments: "{}" } }] }),
      ],
    };
    expect(entryPreview({ split: "train", record })).toEqual({ split: "train", prompt: "What is this? [image]", reply: "[tool call]", messageCount: 2 });
    const dpo = { input: { messages: [user("q")] }, preferred_output: [assistant("good")], non_preferred_output: [assistant("bad")] };
    expect(entryPreview({ split: "validation", record: dpo })).toMatchObject({ prompt: "q", reply: "good", messageCount: 2 });
    expect(entryPreview({ split: "train", record: { messages: [user("x".repeat(300))] } }).prompt).toHaveLength(241);
  });

  it("names the messages, tools, preference and split that changed", () => {
    const before = { split: "train" as const, record: { messages: [user("a"), assistant("1")] } };
    expect(changedParts(before, { split: "train", record: { messages: [user("a"), assistant("2")] } })).toEqual(["1"]);
    expect(changedParts(before, { split: "validation", record: { messages: [user("a"), assistant("1"), user("more")], tools: [] } })).toEqual(["2", "tools", "split"]);
    const dpo = (bad: string) => ({ split: "train" as const, record: { input: { messages: [user("q")] }, preferred_output: [assistant("good")], non_preferred_output: [assistant(bad)] } });
    expect(changedParts(dpo("bad"), dpo("worse"))).toEqual(["preference"]);
  });
});
