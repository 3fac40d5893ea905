import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../db/client";
import { applySplits, assignSplits } from "./split";

describe("applySplits", () => {
  const db = createPrismaClient();
  afterAll(() => db.$disconnect());

  it("writes the drawn splits and leaves manually set rows alone", async () => {
    const ds = await db.dataset.create({
      data: {
        name: `split-${Date.now()}`,
        examples: { create: Array.from({ length: 20 }, (_, i) => ({ position: i, messages: [], contentHash: `h${i}` })) },
      },
    });
    const rows = await db.example.findMany({ where: { datasetId: ds.id }, orderBy: { position: "asc" } });
    const manual = rows[0]!;
    await db.example.update({ where: { id: manual.id }, data: { split: "test" } });

    const result = await applySplits({ datasetId: ds.id, validationRatio: 0.25, seed: 42, keepIds: new Set([manual.id]), db });
    expect(result).toMatchObject({ train: 14, validation: 5, kept: 1 });
    expect(result.revision).toBe(1);

    const after = await db.example.findMany({ where: { datasetId: ds.id } });
    expect(after.find((r) => r.id === manual.id)?.split).toBe("test");
    const expected = assignSplits(rows.slice(1).map((r) => ({ id: r.id, tags: r.tags })), { validationRatio: 0.25, seed: 42 });
    for (const row of after.filter((r) => r.id !== manual.id)) expect(row.split).toBe(expected.get(row.id));
    await db.dataset.delete({ where: { id: ds.id } });
  });

  it("answers 404 for an unknown dataset", async () => {
    await expect(applySplits({ datasetId: "nope", validationRatio: 0.1, seed: 1, db })).rejects.toMatchObject({ status: 404 });
  });
});
