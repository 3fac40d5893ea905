import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../db/client";
import { HttpError } from "../http/errors";
import { deleteDataset } from "./delete";

describe("deleteDataset", () => {
  const db = createPrismaClient();
  afterAll(() => db.$disconnect());

  it("deletes the dataset with its examples", async () => {
    const ds = await db.dataset.create({
      data: { name: `delete-${Date.now()}`, examples: { create: [{ position: 0, messages: [], contentHash: "x" }] } },
    });
    expect(await deleteDataset({ id: ds.id, db })).toEqual({ id: ds.id, name: ds.name });
    expect(await db.example.count({ where: { datasetId: ds.id } })).toBe(0);
  });

  it("answers 404 for an unknown id", async () => {
    await expect(deleteDataset({ id: "nope", db })).rejects.toMatchObject({ status: 404, code: "not_found" });
  });

  it("refuses while frozen versions exist", async () => {
    const ds = await db.dataset.create({ data: { name: `versioned-${Date.now()}` } });
    await db.datasetVersion.create({
      data: { datasetId: ds.id, number: 1, trainPath: "x.jsonl", sha256: "0", exampleCount: 0, trainCount: 0, validationCount: 0, tokenCount: 0 },
    });
    const err = await deleteDataset({ id: ds.id, db }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 409, code: "dataset_has_versions" });
    await db.datasetVersion.deleteMany({ where: { datasetId: ds.id } });
    await db.dataset.delete({ where: { id: ds.id } });
  });
});
