import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../db/client";
import { updateExample } from "../edit/example";
import { newExampleRow } from "./build";
import { fillSearchIndex, missingSearchEntries } from "./search-index";

describe("example_search", () => {
  const db = createPrismaClient();
  afterAll(() => db.$disconnect());

  it("fills missing entries in batches, follows edits, and goes with deleted rows", async () => {
    const ds = await db.dataset.create({ data: { name: `search-${Date.now()}` } });
    const text = (i: number) => ({ kind: "chat" as const, example: { messages: [{ role: "user", content: `question ${i} about routers` }, { role: "assistant", content: `answer ${i}` }] } });
    await db.example.createMany({ data: Array.from({ length: 12 }, (_, i) => newExampleRow(text(i), { datasetId: ds.id, position: i })) });
    expect(await missingSearchEntries(db, ds.id)).toBe(12);

    // Batches of 5 → 5 + 5 + 2; a second fill finds nothing to add.
    expect(await fillSearchIndex(db, ds.id, { batch: 5 })).toBe(12);
    expect(await fillSearchIndex(db, ds.id)).toBe(0);
    expect(await missingSearchEntries(db, ds.id)).toBe(0);

    const first = await db.example.findFirstOrThrow({ where: { datasetId: ds.id, position: 0 } });
    await updateExample({ datasetId: ds.id, exampleId: first.id, patch: { messages: [{ role: "user", content: "printer jam" }, { role: "assistant", content: "open tray 2" }] }, db });
    const entry = await db.exampleSearch.findUniqueOrThrow({ where: { exampleId: first.id } });
    expect(entry.text).toContain("printer jam");
    expect(entry.text).not.toContain("routers");

    await db.example.delete({ where: { id: first.id } });
    expect(await db.exampleSearch.count({ where: { datasetId: ds.id } })).toBe(11);
    await db.dataset.delete({ where: { id: ds.id } });
    expect(await db.exampleSearch.count({ where: { datasetId: ds.id } })).toBe(0);
  });
});
