import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenAIEmulator, type OpenAIEmulator } from "../test/openai-emulator/server";
import { chatJsonl } from "../test/openai-emulator/test-helpers";
import { createPrismaClient } from "../lib/db/client";
import { env } from "../lib/env";
import { createHostedJob, deleteHostedJobs, emulatorCurve, remoteJobsOf, type HostedFixture } from "../lib/jobs/hosted/test-support";
import { createQueueSet } from "../lib/queue/queues";
import { createRedis } from "../lib/redis";
import { deleteKeysUnder, spawnWorker, uniquePrefix, waitFor, type SpawnedWorker } from "../lib/workers/testing";

// The real worker process (workers/main.ts --queues openai-jobs) against the emulator through the real SDK,
// SIGKILLed at the three points where a crash could repeat a side effect or lose data — after the upload,
// right after the create, mid-polling — and has Redis flushed under it while it polls. The emulator runs on
// a manual clock, so the job only moves when the test says, and each kill lands exactly where intended.

const db = createPrismaClient();
const redis = createRedis("client");
const prefix = uniquePrefix("openai-worker");
const queues = createQueueSet({ connection: redis, prefix });
const fixtures: HostedFixture[] = [];
let emu: OpenAIEmulator;
let dataDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  emu = await startOpenAIEmulator({ manualClock: true });
  dataDir = await mkdtemp(path.join(tmpdir(), "tf-openai-worker-"));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await deleteHostedJobs(db, fixtures);
  await emu.close();
  await rm(dataDir, { recursive: true, force: true });
  await queues.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await db.$disconnect();
});

type Worker = SpawnedWorker;

function startWorker(): Worker {
  return spawnWorker({
    args: ["--queues", "openai-jobs"],
    track: children,
    env: {
      DATABASE_URL: env().DATABASE_URL,
      REDIS_URL: env().REDIS_URL,
      TUNEFORGE_QUEUE_PREFIX: prefix,
      TUNEFORGE_DATA_DIR: dataDir,
      OPENAI_BASE_URL: emu.url,
      OPENAI_API_KEY: "sk-test-worker-reliability",
      TUNEFORGE_OPENAI_POLL_MS: "40",
      TUNEFORGE_OPENAI_SLOW_POLL_MS: "40",
      TUNEFORGE_RECONCILE_MS: "300",
      TUNEFORGE_WORKER_LOCK_MS: "1000",
      TUNEFORGE_WORKER_STALLED_MS: "300",
    },
  });
}

async function kill(w: Worker): Promise<void> {
  w.child.kill("SIGKILL");
  await w.exited;
}

const row = (jobId: string) => db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } });
/** waitFor, with the worker's output (read when it fails) in the error. */
const until = <T>(what: string, w: Worker, check: () => Promise<T | undefined>, ms = 20_000) =>
  waitFor(check, ms, what).catch((err: Error) => {
    throw new Error(`${err.message}\nworker output:\n${w.output().slice(-3000)}`);
  });
const fileUploads = () => emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/files" && r.status === 200).length;
const jobCreates = () => emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/fine_tuning/jobs").length;

describe("openai-jobs worker process", () => {
  it("survives SIGKILL after upload, after create and mid-polling, and a flushed Redis: one remote job, every point once", async () => {
    const f = await createHostedJob(db, dataDir, { train: chatJsonl(30), validation: chatJsonl(10), hyperparameters: { n_epochs: 2 }, pricePerMTok: 3 });
    fixtures.push(f);
    const jobId = f.jobId;

    // (a) Both files uploaded and recorded; the clock is still, so they are not processed yet.
    let w = startWorker();
    await until("both file ids recorded", w, async () => {
      const r = await row(jobId);
      return r.remoteTrainingFileId && r.remoteValidationFileId ? r : undefined;
    });
    await kill(w);
    expect(fileUploads()).toBe(2);
    expect((await row(jobId)).status).toBe("uploading");

    // (b) Restarted: reuses the recorded files (now processed) and creates the job; killed right after.
    emu.advance(1_000);
    w = startWorker();
    await until("the remote job id recorded", w, async () => (await row(jobId)).remoteJobId ?? undefined);
    await kill(w);
    expect(fileUploads()).toBe(2);
    expect(jobCreates()).toBe(1);

    // (c) Restarted: polls; killed with some points stored while the job keeps training on OpenAI's side.
    w = startWorker();
    emu.advance(4_000 + 15 * 200); // validating + queued, then 15 steps
    await until("15 metric points", w, async () => ((await db.metricPoint.count({ where: { jobId } })) >= 15 ? true : undefined));
    await kill(w);
    emu.advance(20 * 200); // 20 more steps happen while no worker watches

    // Restarted: catches up from the stored event cursor.
    w = startWorker();
    await until("35 metric points", w, async () => ((await db.metricPoint.count({ where: { jobId } })) >= 35 ? true : undefined));

    // Redis flushed under the running worker: the periodic reconcile puts the job back into the queue.
    await redis.flushdb();
    const requeued = await until("the job back in Redis", w, async () => {
      const job = await queues.get("openai-jobs").getJob(`finetune-${jobId}`);
      return job ? job : undefined;
    });
    expect(requeued.data).toEqual({ jobId });
    emu.advance(5 * 200);
    await until("40 metric points after the flush", w, async () => ((await db.metricPoint.count({ where: { jobId } })) >= 40 ? true : undefined));

    // The re-enqueued BullMQ job joined the loop already running in this process (one loop per job).
    expect(await requeued.getState()).toBe("active");
    emu.advance(30 * 200);
    const done = await until("the job to succeed", w, async () => {
      const r = await row(jobId);
      return r.status === "succeeded" ? r : undefined;
    });
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);

    expect(remoteJobsOf(emu, jobId)).toHaveLength(1);
    expect(jobCreates()).toBe(1);
    expect(fileUploads()).toBe(2);
    expect(done.fineTunedModel).toMatch(/^ft:gpt-4o-mini-2024-07-18:/);
    expect(done.actualUsd?.toNumber()).toBeCloseTo((done.trainedTokens! * 3) / 1e6, 4);
    const curve = emulatorCurve(emu, done.remoteJobId!);
    expect(curve.map((c) => c.step)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const points = await db.metricPoint.findMany({ where: { jobId }, orderBy: { step: "asc" } });
    expect(points.map((p) => ({ step: p.step, trainLoss: p.trainLoss }))).toEqual(curve);
    const remoteEvents = await db.jobEvent.count({ where: { jobId, remoteId: { not: null } } });
    expect(remoteEvents).toBe(emu.state.jobs.get(done.remoteJobId!)!.events.length);
  }, 90_000);
});
