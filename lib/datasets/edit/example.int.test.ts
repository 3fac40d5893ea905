import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../db/client";
import { closeQueues, queues } from "../../queue/queues";
import { createExample, getExample, updateExample } from "./example";
import { newExampleRow } from "../rows/build";
import { chat, makeDataset } from "./test-helpers";

describe("editing one example", () => {
  const db = createPrismaClient();
  const datasetIds: string[] = [];
  afterAll(async () => {
    await db.dataset.deleteMany({ where: { id: { in: datasetIds } } });
    await db.$disconnect();
    await closeQueues();
  });
  const setup = async (examples: Parameters<typeof makeDataset>[1]) => {
    const made = await makeDataset(db, examples);
    datasetIds.push(made.dataset.id);
    return made;
  };

  it("a blank example shows missing_content; fixing it re-validates, refreshes derived columns, keeps dataset-level findings and queues analysis", async () => {
    const { dataset } = await setup([{ messages: chat("hello", "hi") }]);
    const blank = await createExample({ datasetId: dataset.id, db });
    expect(blank.position).toBe(1);
    expect(blank.source).toBe("manual");
    expect(blank.issues.filter((i) => i.code === "missing_content")).toHaveLength(2);
    expect(blank.errorCount).toBe(2);

    // The analysis found a duplicate meanwhile and counted tokens.
    const duplicate = { code: "exact_duplicate", severity: "warning", message: "same as example 1" };
    await db.example.update({
      where: { id: blank.id },
      data: { issues: [...blank.issues, duplicate], issueCodes: ["exact_duplicate", "missing_content"], tokenCount: 20, assistantTokens: 5 },
    });
    const before = await db.dataset.findUniqueOrThrow({ where: { id: dataset.id } });
    const loaded = await getExample({ datasetId: dataset.id, exampleId: blank.id, db });

    const saved = await updateExample({
      datasetId: dataset.id,
      exampleId: blank.id,
      patch: { messages: chat("How do I reset my password?", "Open Settings → Security.") },
      expectedUpdatedAt: loaded.updatedAt,
      db,
    });
    expect(saved.issues).toEqual([duplicate]);
    expect(saved.errorCount).toBe(0);
    expect(saved.warningCount).toBe(1);
    expect(saved.tokenCount).toBeNull();
    expect(saved.assistantTokens).toBeNull();

    const row = await db.example.findUniqueOrThrow({ where: { id: blank.id } });
    expect(row.issueCodes).toEqual(["exact_duplicate"]);
    expect(row.promptPreview).toBe("How do I reset my password?");
    expect(row.replyPreview).toBe("Open Settings → Security.");
    expect(row.searchText).toContain("password");
    expect(row.messageCount).toBe(2);
    expect(row.contentHash).not.toBe((await db.example.findFirstOrThrow({ where: { datasetId: dataset.id, position: 0 } })).contentHash);
    const after = await db.dataset.findUniqueOrThrow({ where: { id: dataset.id } });
    expect(after.revision).toBe(before.revision + 1);

    // The analysis of that revision is in the real queue.
    const jobs = await queues().get("datasets").getJobs(["waiting", "delayed", "prioritized", "active"]);
    expect(jobs.some((j) => j.data.datasetId === dataset.id && j.data.revision === after.revision)).toBe(true);
  });

  it("an example with errors can still be saved and shows them; extra and tools are stored", async () => {
    const { dataset, rows } = await setup([{ messages: chat("q", "a") }]);
    const saved = await updateExample({
      datasetId: dataset.id,
      exampleId: rows[0]!.id,
      patch: {
        messages: [
          { role: "user", content: "weather?" },
          { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: "{not json" } }], weight: 3 },
        ],
        tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } }],
        extra: { parallel_tool_calls: false },
      },
      db,
    });
    expect(saved.issues.map((i) => i.code)).toEqual(expect.arrayContaining(["invalid_tool_call", "invalid_weight"]));
    expect(saved.extra).toEqual({ parallel_tool_calls: false });
    expect(saved.tools).toHaveLength(1);
    expect(saved.errorCount).toBeGreaterThanOrEqual(2);
  });

  it("refuses unstorable shapes with the field named, and leaves the row as it was", async () => {
    const { dataset, rows } = await setup([{ messages: chat("q", "a") }]);
    const bad = updateExample({
      datasetId: dataset.id,
      exampleId: rows[0]!.id,
      patch: { messages: [{ role: "assistant", content: "x", tool_calls: "call it" as unknown as [] }] },
      db,
    });
    await expect(bad).rejects.toMatchObject({ name: "ZodError" });
    await expect(bad).rejects.toThrow(/tool_calls must be a JSON array/);
    const row = await db.example.findUniqueOrThrow({ where: { id: rows[0]!.id } });
    expect(row.messages).toEqual(chat("q", "a"));
  });

  it("answers 409 to a save based on a stale copy, and 404 for an example of another dataset", async () => {
    const { dataset, rows } = await setup([{ messages: chat("q", "a") }]);
    const other = await setup([{ messages: chat("x", "y") }]);
    const loaded = await getExample({ datasetId: dataset.id, exampleId: rows[0]!.id, db });
    await updateExample({ datasetId: dataset.id, exampleId: rows[0]!.id, patch: { tags: ["first"] }, expectedUpdatedAt: loaded.updatedAt, db });
    await expect(
      updateExample({ datasetId: dataset.id, exampleId: rows[0]!.id, patch: { tags: ["second"] }, expectedUpdatedAt: loaded.updatedAt, db }),
    ).rejects.toMatchObject({ status: 409, code: "conflict" });
    expect((await db.example.findUniqueOrThrow({ where: { id: rows[0]!.id } })).tags).toEqual(["first"]);
    await expect(getExample({ datasetId: dataset.id, exampleId: other.rows[0]!.id, db })).rejects.toMatchObject({ status: 404 });
  });

  it("a split set in the editor is manual; tags are trimmed and deduplicated; content columns untouched", async () => {
    const { dataset, rows } = await setup([{ messages: chat("q", "a") }]);
    await db.example.update({ where: { id: rows[0]!.id }, data: { tokenCount: 12 } });
    const saved = await updateExample({ datasetId: dataset.id, exampleId: rows[0]!.id, patch: { split: "validation", tags: [" billing ", "billing", "", "vip"] }, db });
    expect(saved.split).toBe("validation");
    expect(saved.splitManual).toBe(true);
    expect(saved.tags).toEqual(["billing", "vip"]);
    expect(saved.tokenCount).toBe(12);

    // An empty patch writes nothing: same updatedAt, same revision.
    const revision = (await db.dataset.findUniqueOrThrow({ where: { id: dataset.id } })).revision;
    const again = await updateExample({ datasetId: dataset.id, exampleId: rows[0]!.id, patch: {}, db });
    expect(again.updatedAt).toBe(saved.updatedAt);
    expect((await db.dataset.findUniqueOrThrow({ where: { id: dataset.id } })).revision).toBe(revision);
  });
});

describe("editing a DPO example", () => {
  const db = createPrismaClient();
  let datasetId = "";
  afterAll(async () => {
    if (datasetId) await db.dataset.delete({ where: { id: datasetId } });
    await db.$disconnect();
    await closeQueues();
  });

  it("saves prompt and outputs, and re-validates them (an output without an assistant message is an error)", async () => {
    const dataset = await db.dataset.create({ data: { name: `dpo-edit-${Date.now()}` } });
    datasetId = dataset.id;
    const row = await db.example.create({
      data: newExampleRow(
        { kind: "preference", example: { input: { messages: [{ role: "user", content: "Say hi" }] }, preferred_output: [{ role: "assistant", content: "Hi!" }], non_preferred_output: [{ role: "assistant", content: "No." }] } },
        { datasetId, position: 0 },
      ),
    });
    expect(row.errorCount).toBe(0);
    const broken = await updateExample({
      datasetId,
      exampleId: row.id,
      patch: { preference: { preferred_output: [{ role: "assistant", content: "Hello there!" }], non_preferred_output: [] } },
      db,
    });
    expect(broken.kind).toBe("preference");
    expect(broken.preference).toEqual({ preferred_output: [{ role: "assistant", content: "Hello there!" }], non_preferred_output: [] });
    expect(broken.issues.map((i) => i.code)).toContain("invalid_preference");
    const fixed = await updateExample({
      datasetId,
      exampleId: row.id,
      patch: { preference: { preferred_output: [{ role: "assistant", content: "Hello there!" }], non_preferred_output: [{ role: "assistant", content: "Whatever." }] } },
      db,
    });
    expect(fixed.errorCount).toBe(0);
    expect((await db.example.findUniqueOrThrow({ where: { id: row.id } })).replyPreview).toBe("Hello there!");
    // A chat example has no outputs to edit.
    await expect(createExample({ datasetId, db }).then((e) => updateExample({ datasetId, exampleId: e.id, patch: { preference: { preferred_output: [], non_preferred_output: [] } }, db }))).rejects.toThrow(
      /only DPO \(preference\) examples/,
    );
  });
});
