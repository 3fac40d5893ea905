import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaClient } from "../db/client";
import { deleteDataset } from "../datasets/delete";
import { listDatasets } from "../datasets/list";
import { exampleContentHash } from "../datasets/content-hash";
import { countChatExampleTokens, DEFAULT_COUNT_MODEL } from "../tokens/count";
import { SAMPLE_DATASET_NAME, SAMPLE_SEEDED_KEY, seedSampleData } from "./seed";
import { SAMPLE_EXAMPLES } from "./techcorp";

describe("seedSampleData", () => {
  const db = createPrismaClient();
  afterAll(() => db.$disconnect());

  // Each test starts from an installation that has never been seeded.
  beforeEach(async () => {
    await db.appState.deleteMany({ where: { key: SAMPLE_SEEDED_KEY } });
    await db.dataset.deleteMany({ where: { name: SAMPLE_DATASET_NAME } });
  });

  it("creates a labelled sample dataset with realistic chat examples", async () => {
    expect(await seedSampleData({ db })).toEqual({ created: true });
    const ds = await db.dataset.findUniqueOrThrow({
      where: { name: SAMPLE_DATASET_NAME },
      include: { examples: { orderBy: { position: "asc" } } },
    });
    expect(ds.isSample).toBe(true);
    expect(ds.examples.length).toBe(SAMPLE_EXAMPLES.length);
    expect(ds.examples.length).toBeGreaterThanOrEqual(12);
    expect(ds.examples.filter((e) => e.split === "validation").length).toBeGreaterThanOrEqual(2);
    for (const e of ds.examples) {
      const messages = e.messages as { role: string; content: string }[];
      expect(messages[0]?.role).toBe("system");
      expect(messages.at(-1)?.role).toBe("assistant");
      expect(e.tags.length).toBeGreaterThan(0);
      expect(e.contentHash).toBe(exampleContentHash({ messages }));
      expect(e.tokenCount).toBe(countChatExampleTokens({ messages }, DEFAULT_COUNT_MODEL));
      expect(e.source).toBe("sample");
    }
    expect(ds.examples.some((e) => (e.messages as unknown[]).length > 3)).toBe(true);
    expect(new Set(ds.examples.map((e) => e.contentHash)).size).toBe(ds.examples.length);
  });

  it("runs once: a second call, and a call after the user deleted the sample, create nothing", async () => {
    expect((await seedSampleData({ db })).created).toBe(true);
    expect((await seedSampleData({ db })).created).toBe(false);
    expect(await db.dataset.count({ where: { name: SAMPLE_DATASET_NAME } })).toBe(1);

    const sample = await db.dataset.findUniqueOrThrow({ where: { name: SAMPLE_DATASET_NAME } });
    await deleteDataset({ id: sample.id, db });
    expect((await seedSampleData({ db })).created).toBe(false);
    expect(await db.dataset.count({ where: { name: SAMPLE_DATASET_NAME } })).toBe(0);
  });

  it("creates exactly one dataset when two processes start at once", async () => {
    const results = await Promise.all([seedSampleData({ db }), seedSampleData({ db })]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await db.dataset.count({ where: { name: SAMPLE_DATASET_NAME } })).toBe(1);
  });

  it("shows up in the dataset list with split counts and tokens", async () => {
    await seedSampleData({ db });
    const row = (await listDatasets({ db })).find((d) => d.name === SAMPLE_DATASET_NAME);
    const validation = SAMPLE_EXAMPLES.filter((e) => e.split === "validation").length;
    expect(row).toMatchObject({
      isSample: true,
      exampleCount: SAMPLE_EXAMPLES.length,
      validationCount: validation,
      trainCount: SAMPLE_EXAMPLES.length - validation,
      testCount: 0,
    });
    expect(row?.tokenCount).toBeGreaterThan(1000);
  });
});
