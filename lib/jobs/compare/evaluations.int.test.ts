import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { makeVersion, removeVersions, type VersionFixture } from "../launch/test-support";
import { latestEvaluations } from "./evaluations";

// Which evaluation of a job the compare page shows: its newest succeeded one of the job itself.

const db = prisma();
let fixture: VersionFixture;

beforeAll(async () => {
  fixture = await makeVersion(db, { train: 2, validation: 2 });
});
afterAll(async () => {
  await db.evalRun.deleteMany({ where: { datasetVersionId: fixture.version.id } });
  await removeVersions(db, [fixture]);
  await db.$disconnect();
});

describe("latestEvaluations", () => {
  it("takes each job's newest succeeded evaluation of the job itself: not a checkpoint's, not one still running", async () => {
    const job = await db.fineTuneJob.create({ data: { provider: "local", status: "succeeded", baseModel: "tiny-chat", datasetVersionId: fixture.version.id } });
    const other = await db.fineTuneJob.create({ data: { provider: "local", status: "succeeded", baseModel: "tiny-chat", datasetVersionId: fixture.version.id } });
    const run = (status: "succeeded" | "running", at: number, extra: Record<string, unknown> = {}) =>
      db.evalRun.create({ data: { status, datasetVersionId: fixture.version.id, jobId: job.id, candidateSpec: `job:${job.id}`, baselineSpec: "local:tiny-chat", summary: { n: at, winRate: null, metrics: {} }, createdAt: new Date(Date.UTC(2026, 11, 1, 0, at)), ...extra } });
    await run("succeeded", 1);
    const newest = await run("succeeded", 2);
    await run("succeeded", 3, { checkpointStep: 10 });
    await run("running", 4);
    expect(await latestEvaluations(db, [job.id, other.id])).toEqual([{ jobId: job.id, id: newest.id, baselineSpec: "local:tiny-chat", summary: { n: 2, winRate: null, metrics: {} } }]);
  });
});
