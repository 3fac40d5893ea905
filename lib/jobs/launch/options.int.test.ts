import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { listLaunchOptions, pickInitialVersion } from "./options";

// The launch form offers the newest 500 dataset versions; a link from a dataset's page to an older one still opens
// the form on that version.

const db = prisma();
const tag = randomUUID().slice(0, 8);
let oldDataset: string;
let crowdDataset: string;
let oldVersion: string;

const version = (datasetId: string, number: number, createdAt: Date) => ({
  datasetId, number, createdAt, trainPath: "t.jsonl", sha256: "0".repeat(64), exampleCount: 1, trainCount: 1, validationCount: 0, tokenCount: 1,
});

beforeAll(async () => {
  oldDataset = (await db.dataset.create({ data: { name: `launch-old-${tag}` } })).id;
  crowdDataset = (await db.dataset.create({ data: { name: `launch-crowd-${tag}` } })).id;
  // Dated 2000, so the 500 versions a day newer put it out of the newest 500 without pushing out anything of 2026.
  oldVersion = (await db.datasetVersion.create({ data: version(oldDataset, 1, new Date("2000-01-01T00:00:00Z")) })).id;
  await db.datasetVersion.createMany({ data: Array.from({ length: 500 }, (_, i) => version(crowdDataset, i + 1, new Date("2000-01-02T00:00:00Z"))) });
});

afterAll(async () => {
  await db.datasetVersion.deleteMany({ where: { datasetId: { in: [oldDataset, crowdDataset] } } });
  await db.dataset.deleteMany({ where: { id: { in: [oldDataset, crowdDataset] } } });
  await db.$disconnect();
});

describe("listLaunchOptions", () => {
  it("offers the newest 500 versions, and a linked older one besides", async () => {
    const plain = await listLaunchOptions();
    expect(plain.versions).toHaveLength(500);
    expect(plain.versions.map((v) => v.id)).not.toContain(oldVersion);

    const byId = await listLaunchOptions({ linked: { datasetVersion: oldVersion } });
    expect(byId.versions.at(-1)).toMatchObject({ id: oldVersion, datasetName: `launch-old-${tag}`, number: 1 });
    expect(pickInitialVersion(byId.versions, { datasetVersion: oldVersion })).toBe(oldVersion);

    const byDataset = await listLaunchOptions({ linked: { dataset: oldDataset } });
    expect(pickInitialVersion(byDataset.versions, { dataset: oldDataset, version: "1" })).toBe(oldVersion);
    // A linked version already among the newest is not listed twice.
    const newest = plain.versions[0]!.id;
    expect((await listLaunchOptions({ linked: { datasetVersion: newest } })).versions.filter((v) => v.id === newest)).toHaveLength(1);
  });
});
