import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../db/client";
import { analyzeDataset } from "../analysis/run";
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

  it("is filled by the dataset analysis, so imported rows become searchable in the background", async () => {
    const ds = await db.dataset.create({ data: { name: `search-analysis-${Date.now()}` } });
    const row = (i: number) => ({ kind: "chat" as const, example: { messages: [{ role: "user", content: `modem ${i} blinks` }, { role: "assistant", content: "restart it" }] } });
    await db.example.createMany({ data: Array.from({ length: 5 }, (_, i) => newExampleRow(row(i), { datasetId: ds.id, position: i })) });
    const { revision } = await db.dataset.update({ where: { id: ds.id }, data: { revision: { increment: 1 } } });
    expect(await missingSearchEntries(db, ds.id)).toBe(5);
    await analyzeDataset({ db, datasetId: ds.id, revision, threads: 0 });
    expect(await missingSearchEntries(db, ds.id)).toBe(0);
    const hits = await db.exampleSearch.findMany({ where: { datasetId: ds.id, text: { contains: "modem 3" } } });
    expect(hits).toHaveLength(1);
    await db.dataset.delete({ where: { id: ds.id } });
  });
});
