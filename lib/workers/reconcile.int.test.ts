import { randomBytes } from "node:crypto";
import type { JobStatus, EvalStatus, Provider } from "@prisma/client";
import { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../db/client";
import { env } from "../env";
import { QUEUE_NAMES } from "../queue/contracts";
import { createQueueSet } from "../queue/queues";
import { createRedis } from "../redis";
import { NON_TERMINAL_EVAL_STATUSES, NON_TERMINAL_JOB_STATUSES, reconcileJobs } from "./reconcile";
import { deleteKeysUnder, uniquePrefix } from "./testing";

const db = createPrismaClient();
const redis = createRedis("client");
const prefix = uniquePrefix("reconcile");
const queues = createQueueSet({ connection: redis, prefix });
const tag = randomBytes(4).toString("hex");
const created = { jobs: [] as { id: string; provider: Provider; status: JobStatus }[], evals: [] as { id: string; status: EvalStatus }[] };
let datasetId = "";

async function jobIdsIn(queue: (typeof QUEUE_NAMES)[number]): Promise<string[]> {
  const jobs = await queues.get(queue).getJobs(["waiting", "active", "delayed", "prioritized", "completed", "failed"]);
  return jobs.map((j) => j.id!).sort();
}

beforeAll(async () => {
  const dataset = await db.dataset.create({ data: { name: `reconcile-${tag}` } });
  datasetId = dataset.id;
  const version = await db.datasetVersion.create({
    data: {
      datasetId, number: 1, trainPath: "x.jsonl", sha256: "0".repeat(64),
      exampleCount: 1, trainCount: 1, validationCount: 0, tokenCount: 10,
    },
  });
  const statuses: JobStatus[] = ["queued", "uploading", "validating_files", "running", "cancelling", "succeeded", "failed", "cancelled"];
  for (const provider of ["openai", "local"] as Provider[]) {
    for (const status of statuses) {
      const j = await db.fineTuneJob.create({ data: { provider, status, baseModel: `m-${tag}`, datasetVersionId: version.id } });
      created.jobs.push({ id: j.id, provider, status });
    }
  }
  for (const status of ["queued", "running", "succeeded", "failed", "cancelled"] as EvalStatus[]) {
    const e = await db.evalRun.create({
      data: { status, datasetVersionId: version.id, candidateSpec: "openai:a", baselineSpec: "openai:b", name: `reconcile-${tag}` },
    });
    created.evals.push({ id: e.id, status });
  }
});

afterAll(async () => {
  await db.evalRun.deleteMany({ where: { id: { in: created.evals.map((e) => e.id) } } });
  await db.fineTuneJob.deleteMany({ where: { id: { in: created.jobs.map((j) => j.id) } } });
  await db.datasetVersion.deleteMany({ where: { datasetId } });
  await db.dataset.deleteMany({ where: { id: datasetId } });
  await queues.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await db.$disconnect();
});

describe("reconcileJobs", () => {
  it("enqueues exactly the non-terminal rows, each into its provider's queue", async () => {
    const result = await reconcileJobs({ db, queues });

    // Other test files may have left unfinished rows; the expectation is built from the database itself.
    const openai = await db.fineTuneJob.findMany({ where: { provider: "openai", status: { in: [...NON_TERMINAL_JOB_STATUSES] } }, select: { id: true } });
    const local = await db.fineTuneJob.findMany({ where: { provider: "local", status: { in: [...NON_TERMINAL_JOB_STATUSES] } }, select: { id: true } });
    const evals = await db.evalRun.findMany({ where: { status: { in: [...NON_TERMINAL_EVAL_STATUSES] } }, select: { id: true } });

    expect(await jobIdsIn("openai-jobs")).toEqual(openai.map((j) => `finetune-${j.id}`).sort());
    expect(await jobIdsIn("gpu-jobs")).toEqual(local.map((j) => `finetune-${j.id}`).sort());
    expect(await jobIdsIn("eval")).toEqual(evals.map((e) => `eval-${e.id}`).sort());
    expect(await jobIdsIn("system")).toEqual([]);
    expect(result.enqueued).toBe(openai.length + local.length + evals.length);
    expect(result.present + result.requeued).toBe(0);

    // Our own rows: five unfinished statuses per provider, two unfinished evals; terminal ones skipped.
    const mine = new Set(result.entries.map((e) => e.jobId));
    for (const j of created.jobs) {
      const unfinished = (NON_TERMINAL_JOB_STATUSES as readonly string[]).includes(j.status);
      expect(mine.has(`finetune-${j.id}`), `${j.provider}/${j.status}`).toBe(unfinished);
    }
    for (const e of created.evals) {
      expect(mine.has(`eval-${e.id}`), `eval/${e.status}`).toBe(e.status === "queued" || e.status === "running");
    }

    // The payload is the contract's, under the job name consumers dispatch on.
    const openaiRow = created.jobs.find((j) => j.provider === "openai" && j.status === "running")!;
    const job = await queues.get("openai-jobs").getJob(`finetune-${openaiRow.id}`);
    expect(job?.name).toBe("finetune.run");
    expect(job?.data).toEqual({ jobId: openaiRow.id });
    expect(job?.opts.attempts).toBe(3);
  });

  it("is idempotent: a second run adds nothing", async () => {
    const before = await Promise.all(QUEUE_NAMES.map(jobIdsIn));
    const result = await reconcileJobs({ db, queues });
    expect(result.enqueued).toBe(0);
    expect(result.requeued).toBe(0);
    expect(result.present).toBe(result.entries.length);
    expect(await Promise.all(QUEUE_NAMES.map(jobIdsIn))).toEqual(before);
  });

  it("re-queues a row whose job already finished in Redis while Postgres says it is unfinished", async () => {
    const row = created.jobs.find((j) => j.provider === "local" && j.status === "queued")!;
    const jobId = `finetune-${row.id}`;
    const q = queues.get("gpu-jobs");
    // Simulate a worker that died after BullMQ recorded the failure but before Postgres did.
    await q.remove(jobId);
    await q.add("finetune.run", { jobId: row.id }, { jobId, attempts: 1 });
    // Manual processing API: take the job as a worker would, then fail it.
    const conn = createRedis("bullmq");
    const worker = new Worker("gpu-jobs", null, { connection: conn, prefix, autorun: false });
    const token = "test-token";
    let job = await worker.getNextJob(token);
    // Other unfinished rows may sit ahead of ours; set them aside until ours comes up.
    while (job && job.id !== jobId) {
      await job.moveToDelayed(Date.now() + 60_000, token);
      job = await worker.getNextJob(token);
    }
    expect(job?.id).toBe(jobId);
    await job!.moveToFailed(new Error("simulated crash"), token, false);
    expect(await job!.getState()).toBe("failed");
    await worker.close();
    await conn.quit();

    const result = await reconcileJobs({ db, queues });
    expect(result.entries.find((e) => e.jobId === jobId)?.outcome).toBe("requeued");
    expect(result.requeued).toBe(1);
    expect(await (await q.getJob(jobId))!.getState()).toBe("waiting");
  });

  it("uses the configured prefix for every key", async () => {
    const keys = await redis.keys(`${prefix}:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(await redis.keys(`${env().TUNEFORGE_QUEUE_PREFIX}:gpu-jobs:finetune-${created.jobs[0]!.id}`)).toEqual([]);
  });
});
