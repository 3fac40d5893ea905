import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { dataDir } from "@/lib/env";
import { HttpError } from "@/lib/http/errors";
import { deleteJob } from "./delete";
import { makeVersion, removeVersions, type VersionFixture } from "./launch/test-support";

// Deleting a job against Postgres and the data directory: the row and its series go, a local job's folder goes,
// evaluations keep their results; a job something still writes to is refused, and nothing is lost.

const db = prisma();
let fixture: VersionFixture;

beforeAll(async () => {
  fixture = await makeVersion(db, { train: 4, validation: 2 });
});

afterAll(async () => {
  await db.evalRun.deleteMany({ where: { datasetVersionId: fixture.version.id } });
  await removeVersions(db, [fixture]);
  await db.$disconnect();
});

async function localJob(status: "succeeded" | "running" = "succeeded"): Promise<{ id: string; dir: string }> {
  const job = await db.fineTuneJob.create({ data: { provider: "local", status, baseModel: "tiny-chat", datasetVersionId: fixture.version.id, adapterPath: "jobs/x/adapter" } });
  const dir = path.join(dataDir(), "jobs", job.id);
  await mkdir(path.join(dir, "adapter"), { recursive: true });
  await writeFile(path.join(dir, "adapter", "adapter_model.safetensors"), "weights");
  await db.metricPoint.createMany({ data: [1, 2].map((step) => ({ jobId: job.id, step, trainLoss: 1 / step })) });
  await db.jobEvent.create({ data: { jobId: job.id, level: "info", message: "Succeeded" } });
  await db.checkpoint.create({ data: { jobId: job.id, step: 2, path: `jobs/${job.id}/checkpoints/step-2` } });
  await db.artifact.create({ data: { jobId: job.id, kind: "adapter", path: `jobs/${job.id}/adapter`, sizeBytes: 7n } });
  return { id: job.id, dir };
}

const evalOf = (jobId: string, status: "running" | "succeeded") =>
  db.evalRun.create({ data: { status, datasetVersionId: fixture.version.id, jobId, candidateSpec: `job:${jobId}`, baselineSpec: "local:tiny-chat", summary: { n: 2 } } });

describe("deleteJob", () => {
  it("removes a finished local job's row, series and folder; its evaluations keep their results", async () => {
    const { id, dir } = await localJob();
    const run = await evalOf(id, "succeeded");
    expect(await deleteJob(id)).toEqual({ id, provider: "local", note: null });
    expect(await db.fineTuneJob.findUnique({ where: { id } })).toBeNull();
    for (const count of [db.metricPoint.count({ where: { jobId: id } }), db.jobEvent.count({ where: { jobId: id } }), db.checkpoint.count({ where: { jobId: id } }), db.artifact.count({ where: { jobId: id } })])
      expect(await count).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(await db.evalRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ jobId: null, candidateSpec: `job:${id}`, summary: { n: 2 } });
  });

  it("refuses a job that is not finished, one an evaluation is running on, and one whose export is being written; nothing is lost", async () => {
    const running = await localJob("running");
    await expect(deleteJob(running.id)).rejects.toMatchObject({ status: 409, code: "job_active", message: `Job ${running.id} is running; cancel it first, then delete it.` });

    const evaluated = await localJob();
    const run = await evalOf(evaluated.id, "running");
    await expect(deleteJob(evaluated.id)).rejects.toMatchObject({ status: 409, code: "job_in_use", message: expect.stringContaining(`An evaluation of job ${evaluated.id} (${run.id}) is still running`) });
    await db.evalRun.update({ where: { id: run.id }, data: { status: "succeeded" } });

    const exporting = await localJob();
    await db.artifact.create({ data: { jobId: exporting.id, kind: "merged_model", path: `jobs/${exporting.id}/merged`, sizeBytes: 0n, status: "running" } });
    await expect(deleteJob(exporting.id)).rejects.toMatchObject({ status: 409, code: "job_in_use", message: expect.stringContaining("merged-model export") });

    for (const j of [running, evaluated, exporting]) {
      expect(await db.metricPoint.count({ where: { jobId: j.id } })).toBe(2);
      expect(existsSync(path.join(j.dir, "adapter", "adapter_model.safetensors"))).toBe(true);
    }
    // Once the evaluation has ended, the job can go.
    expect(await deleteJob(evaluated.id)).toMatchObject({ id: evaluated.id });
    await db.fineTuneJob.update({ where: { id: running.id }, data: { status: "cancelled" } });
    await db.artifact.updateMany({ where: { jobId: exporting.id }, data: { status: "failed" } });
    for (const j of [running, exporting]) await deleteJob(j.id);
    for (const j of [running, evaluated, exporting]) expect(existsSync(j.dir)).toBe(false);
  });

  it("says an OpenAI job's fine-tuned model stays on OpenAI, and answers 404 for an unknown job", async () => {
    const job = await db.fineTuneJob.create({ data: { provider: "openai", status: "succeeded", baseModel: "gpt-4o-mini-2024-07-18", fineTunedModel: "ft:gpt-4o-mini-2024-07-18:org::del1", datasetVersionId: fixture.version.id } });
    expect(await deleteJob(job.id)).toEqual({
      id: job.id,
      provider: "openai",
      note: "ft:gpt-4o-mini-2024-07-18:org::del1 is still in your OpenAI organization; delete it there (DELETE /v1/models/ft:gpt-4o-mini-2024-07-18:org::del1) if you no longer need it.",
    });
    const missing = await deleteJob("no-such-job").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(HttpError);
    expect(missing).toMatchObject({ status: 404, code: "job_not_found" });
  });
});
