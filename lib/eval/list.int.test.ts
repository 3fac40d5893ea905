import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { HttpError } from "@/lib/http/errors";
import { listEvalRunsPage } from "./list";

// The evaluations list a page at a time: newest first, a sweep's runs (one creation instant) in step order with the
// runs without a step after them, every run exactly once.

const db = prisma();
const tag = randomUUID().slice(0, 8);
let datasetId: string;

beforeAll(async () => {
  datasetId = (await db.dataset.create({ data: { name: `eval-list-${tag}` } })).id;
  const v = await db.datasetVersion.create({
    data: { datasetId, number: 1, trainPath: "x", sha256: "0".repeat(64), exampleCount: 1, trainCount: 1, validationCount: 1, tokenCount: 1 },
  });
  const t0 = Date.parse("2026-11-02T10:00:00.000Z");
  const runs: [number, number | null][] = [[1, 50], [0, 200], [0, 100], [0, 100], [0, null], [0, 300], [-1, null], [-1, null]];
  await db.evalRun.createMany({
    data: runs.map(([s, step]) => ({ datasetVersionId: v.id, candidateSpec: "job:x", baselineSpec: "openai:m", sweepId: tag, checkpointStep: step, createdAt: new Date(t0 + s * 1000) })),
  });
});

afterAll(async () => {
  await db.evalRun.deleteMany({ where: { sweepId: tag } });
  await db.datasetVersion.deleteMany({ where: { datasetId } });
  await db.dataset.delete({ where: { id: datasetId } });
  await db.$disconnect();
});

describe("listEvalRunsPage", () => {
  it("pages through every run once, in the list's order, saying where each page stands", async () => {
    const all = await db.evalRun.findMany({ where: { sweepId: tag }, orderBy: [{ createdAt: "desc" }, { checkpointStep: "asc" }, { id: "desc" }] });
    // The order itself: newest instant first; within one, steps ascending, no step last.
    expect(all.map((r) => r.checkpointStep)).toEqual([50, 100, 100, 200, 300, null, null, null]);
    for (const limit of [1, 2, 3]) {
      const seen: string[] = [];
      const newer: number[] = [];
      let before: string | undefined;
      do {
        const page = await listEvalRunsPage({ sweepId: tag, limit, before });
        expect(page.total).toBe(8);
        newer.push(page.newer);
        seen.push(...page.runs.map((r) => r.id));
        before = page.older ?? undefined;
      } while (before);
      expect(seen, `limit ${limit}`).toEqual(all.map((r) => r.id));
      expect(newer, `limit ${limit}`).toEqual(Array.from({ length: Math.ceil(8 / limit) }, (_, i) => i * limit));
    }
  });

  it("refuses a cursor it did not write, naming it", async () => {
    const err = await listEvalRunsPage({ before: "1796280570123_cmx77a" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 400, code: "bad_cursor", message: expect.stringContaining('"1796280570123_cmx77a" is not an evaluations-list cursor') });
  });
});
