import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { HttpError } from "@/lib/http/errors";
import { listJobDatasets, listJobs, listJobsPage } from "./list";

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
  it("pages newest first by cursor: every job once, in order, ties on createdAt broken by id", async () => {
    const paged = `paged-${tag}`;
    const t0 = Date.parse("2026-11-01T10:00:00.000Z");
    // Seven jobs, three of them created in the same millisecond.
    const at = [0, 1, 1, 1, 2, 3, 4].map((s) => new Date(t0 + s * 1000));
    await db.fineTuneJob.createMany({ data: at.map((createdAt) => ({ provider: "openai", status: "succeeded", baseModel: `m-${paged}`, createdAt })) });
    const all = await db.fineTuneJob.findMany({ where: { baseModel: `m-${paged}` }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: { id: true } });
    try {
      const seen: string[] = [];
      const pages: { total: number; newer: number; count: number }[] = [];
      let before: string | undefined;
      do {
        const page = await listJobsPage({ model: paged, limit: 3, before });
        seen.push(...page.jobs.map((j) => j.id));
        pages.push({ total: page.total, newer: page.newer, count: page.jobs.length });
        before = page.older ?? undefined;
      } while (before);
      expect(seen).toEqual(all.map((j) => j.id));
      expect(pages).toEqual([{ total: 7, newer: 0, count: 3 }, { total: 7, newer: 3, count: 3 }, { total: 7, newer: 6, count: 1 }]);

      // A job created while someone pages (newer than all) does not shift the older pages.
      const first = await listJobsPage({ model: paged, limit: 3 });
      const late = await db.fineTuneJob.create({ data: { provider: "openai", status: "queued", baseModel: `m-${paged}` } });
      all.unshift(late);
      const second = await listJobsPage({ model: paged, limit: 3, before: first.older! });
      expect(second.jobs.map((j) => j.id)).toEqual(all.slice(4, 7).map((j) => j.id));
      expect(second).toMatchObject({ total: 8, newer: 4 });
    } finally {
      await db.fineTuneJob.deleteMany({ where: { baseModel: `m-${paged}` } });
    }
  });

  it("refuses a cursor it did not write, naming it", async () => {
    const err = await listJobsPage({ before: "page-2" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 400, code: "bad_cursor", message: expect.stringContaining('"page-2" is not a jobs-list cursor') });
  });

  it("offers only datasets that jobs trained on", async () => {
    const names = (await listJobDatasets()).map((d) => d.id);
    expect(names).toContain(datasetId);
    expect(names).not.toContain(idleDatasetId);
  });
});
