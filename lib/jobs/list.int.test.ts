import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { listJobDatasets, listJobs } from "./list";

// The jobs list's filters (as the /jobs page passes them from the URL) and the dataset choices beside them.

const db = prisma();
const tag = randomUUID().slice(0, 8);
const ids: Record<string, string> = {};
let datasetId: string;
let idleDatasetId: string;

beforeAll(async () => {
  const ds = await db.dataset.create({ data: { name: `list-${tag}` } });
  const idle = await db.dataset.create({ data: { name: `list-idle-${tag}` } });
  datasetId = ds.id;
  idleDatasetId = idle.id;
  const v = await db.datasetVersion.create({
    data: { datasetId, number: 1, trainPath: "x", sha256: "0".repeat(64), exampleCount: 1, trainCount: 1, validationCount: 0, tokenCount: 1 },
  });
  ids.a = (await db.fineTuneJob.create({ data: { provider: "openai", status: "running", baseModel: `gpt-4o-mini-${tag}`, datasetVersionId: v.id } })).id;
  ids.b = (await db.fineTuneJob.create({ data: { provider: "openai", status: "failed", baseModel: `gpt-4.1-${tag}` } })).id;
  ids.c = (await db.fineTuneJob.create({ data: { provider: "local", status: "succeeded", baseModel: `llama-${tag}`, fineTunedModel: `adapter-MINI-${tag}` } })).id;
  await db.metricPoint.createMany({ data: [{ jobId: ids.a, step: 1, totalSteps: 10 }, { jobId: ids.a, step: 2, totalSteps: 10 }] });
});

afterAll(async () => {
  await db.fineTuneJob.deleteMany({ where: { id: { in: Object.values(ids) } } });
  await db.datasetVersion.deleteMany({ where: { datasetId } });
  await db.dataset.deleteMany({ where: { id: { in: [datasetId, idleDatasetId] } } });
  await db.$disconnect();
});

describe("listJobs with the list page's filters", () => {
  it("matches the model text in base or fine-tuned model names, case-insensitively", async () => {
    expect((await listJobs({ model: tag })).map((j) => j.id).sort()).toEqual([ids.a, ids.b, ids.c].sort());
    expect((await listJobs({ model: `mini-${tag}` })).map((j) => j.id).sort()).toEqual([ids.a, ids.c].sort());
  });
  it("combines status, provider and dataset, and carries progress", async () => {
    expect((await listJobs({ model: tag, status: ["failed", "succeeded"], provider: "openai" })).map((j) => j.id)).toEqual([ids.b]);
    const [a] = await listJobs({ datasetId });
    expect(a).toMatchObject({ id: ids.a, progress: { step: 2, totalSteps: 10 }, dataset: { datasetName: `list-${tag}`, versionNumber: 1 } });
  });
  it("offers only datasets that jobs trained on", async () => {
    const names = (await listJobDatasets()).map((d) => d.id);
    expect(names).toContain(datasetId);
    expect(names).not.toContain(idleDatasetId);
  });
});
