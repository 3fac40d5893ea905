import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Prisma } from "@prisma/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../db/client";
import { exampleContentHash } from "./content-hash";
import { freezeDatasetVersion } from "./freeze";

const chat = (user: string, assistant: string) => [
  { role: "user", content: user },
  { role: "assistant", content: assistant },
];

describe("freezeDatasetVersion", () => {
  const db = createPrismaClient();
  let root: string;
  const datasetIds: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "tf-freeze-"));
  });
  afterAll(async () => {
    await db.datasetVersion.deleteMany({ where: { datasetId: { in: datasetIds } } });
    await db.dataset.deleteMany({ where: { id: { in: datasetIds } } });
    await db.$disconnect();
    await rm(root, { recursive: true, force: true });
  });

  async function makeDataset(
    examples: { messages: Prisma.InputJsonArray; split?: "train" | "validation" | "test"; kind?: "chat" | "preference"; preference?: Prisma.InputJsonObject }[],
  ) {
    const ds = await db.dataset.create({
      data: {
        name: `freeze-${Date.now()}-${Math.random()}`,
        examples: {
          create: examples.map((e, i) => ({
            position: i,
            messages: e.messages,
            split: e.split ?? "train",
            kind: e.kind ?? "chat",
            ...(e.preference ? { preference: e.preference } : {}),
            contentHash: exampleContentHash({ messages: e.messages, preference: e.preference }),
          })),
        },
      },
    });
    datasetIds.push(ds.id);
    return ds;
  }

  const read = (rel: string) => readFile(path.join(root, rel), "utf8");
  const sha = (...parts: string[]) => parts.reduce((h, p) => h.update(p), createHash("sha256")).digest("hex");

  it("freezes train and validation files with sha256 and counts, and later edits never change them", async () => {
    const ds = await makeDataset([
      { messages: chat("a", "1") },
      { messages: chat("b", "2"), split: "validation" },
      { messages: chat("c", "3") },
      { messages: chat("held out", "x"), split: "test" },
    ]);
    const v1 = await freezeDatasetVersion({ datasetId: ds.id, note: "first", db, root });
    expect(v1).toMatchObject({ number: 1, note: "first", exampleCount: 3, trainCount: 2, validationCount: 1, hasPreference: false });
    expect(v1.tokenCount).toBeGreaterThan(0);
    const train1 = await read(v1.trainPath);
    const validation1 = await read(v1.validationPath!);
    expect(train1).toBe(`${JSON.stringify({ messages: chat("a", "1") })}\n${JSON.stringify({ messages: chat("c", "3") })}\n`);
    expect(validation1).toBe(`${JSON.stringify({ messages: chat("b", "2") })}\n`);
    expect(v1.sha256).toBe(sha(train1, validation1));
    expect(await readdir(path.join(root, "datasets", ds.id))).toEqual(["v1"]);

    // Edit one example, delete another, move the validation one to train.
    const rows = await db.example.findMany({ where: { datasetId: ds.id }, orderBy: { position: "asc" } });
    await db.example.update({ where: { id: rows[0]!.id }, data: { messages: chat("a edited", "1") } });
    await db.example.delete({ where: { id: rows[2]!.id } });
    await db.example.update({ where: { id: rows[1]!.id }, data: { split: "train" } });

    expect(await read(v1.trainPath)).toBe(train1);
    expect(await read(v1.validationPath!)).toBe(validation1);
    expect((await db.datasetVersion.findUniqueOrThrow({ where: { id: v1.id } })).sha256).toBe(v1.sha256);

    const v2 = await freezeDatasetVersion({ datasetId: ds.id, db, root });
    expect(v2).toMatchObject({ number: 2, exampleCount: 2, trainCount: 2, validationCount: 0, validationPath: null });
    const train2 = await read(v2.trainPath);
    expect(train2).toBe(`${JSON.stringify({ messages: chat("a edited", "1") })}\n${JSON.stringify({ messages: chat("b", "2") })}\n`);
    expect(v2.sha256).toBe(sha(train2));
    expect(v2.sha256).not.toBe(v1.sha256);
  });

  it("numbers concurrent freezes 1, 2, 3 without a clash", async () => {
    const ds = await makeDataset([{ messages: chat("a", "1") }]);
    const versions = await Promise.all([1, 2, 3].map(() => freezeDatasetVersion({ datasetId: ds.id, db, root })));
    expect(versions.map((v) => v.number).sort()).toEqual([1, 2, 3]);
    expect((await readdir(path.join(root, "datasets", ds.id))).sort()).toEqual(["v1", "v2", "v3"]);
  });

  it("marks preference data and counts its tokens", async () => {
    const preference = { preferred_output: [{ role: "assistant", content: "good" }], non_preferred_output: [{ role: "assistant", content: "bad" }] };
    const ds = await makeDataset([{ messages: [{ role: "user", content: "q" }], kind: "preference", preference }]);
    const v = await freezeDatasetVersion({ datasetId: ds.id, db, root });
    expect(v.hasPreference).toBe(true);
    expect(JSON.parse(await read(v.trainPath))).toEqual({ input: { messages: [{ role: "user", content: "q" }] }, ...preference });
    expect(v.tokenCount).toBeGreaterThan(0);
  });

  it("refuses an empty dataset and one without train examples", async () => {
    const empty = await makeDataset([]);
    await expect(freezeDatasetVersion({ datasetId: empty.id, db, root })).rejects.toMatchObject({ status: 409, code: "dataset_empty" });
    const onlyValidation = await makeDataset([{ messages: chat("a", "1"), split: "validation" }]);
    await expect(freezeDatasetVersion({ datasetId: onlyValidation.id, db, root })).rejects.toMatchObject({ code: "no_train_examples" });
    expect(await db.datasetVersion.count({ where: { datasetId: { in: [empty.id, onlyValidation.id] } } })).toBe(0);
    await expect(freezeDatasetVersion({ datasetId: "nope", db, root })).rejects.toMatchObject({ status: 404 });
  });
});
