import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenAIEmulator, type OpenAIEmulator } from "../test/openai-emulator/server";
import { chatJsonl } from "../test/openai-emulator/test-helpers";
import { createPrismaClient } from "../lib/db/client";
import { dataDir, env } from "../lib/env";
import { createHostedJob, deleteHostedJobs, remoteJobsOf, type HostedFixture } from "../lib/jobs/hosted/test-support";
import { createQueueSet } from "../lib/queue/queues";
import { createRedis } from "../lib/redis";
import { deleteOpenAICredential, saveOpenAICredential } from "../lib/settings/credentials";
import { deleteKeysUnder, uniquePrefix, waitFor } from "../lib/workers/testing";
import { startWorkerProcess, type Logger } from "./runtime";

// The openai-jobs consumer in-process: it takes its OpenAI key and base URL from Settings (the emulator
// accepts only that key), and on shutdown hands a running job back to the queue — another worker resumes it
// from Postgres at once, without a second upload or job.

const KEY = "sk-test-from-settings-7f3a";
const db = createPrismaClient();
const redis = createRedis("client");
const prefix = uniquePrefix("openai-shutdown");
const queues = createQueueSet({ connection: redis, prefix });
const lines: string[] = [];
const log: Logger = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
const fixtures: HostedFixture[] = [];
let emu: OpenAIEmulator;

beforeAll(async () => {
  emu = await startOpenAIEmulator({ manualClock: true, apiKeys: [KEY] });
  await saveOpenAICredential({ apiKey: KEY, baseUrl: emu.url }, { db });
});
afterAll(async () => {
  await deleteOpenAICredential({ db });
  await deleteHostedJobs(db, fixtures);
  for (const f of fixtures) await rm(path.join(dataDir(), "datasets", f.datasetId), { recursive: true, force: true });
  await emu.close();
  await queues.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await db.$disconnect();
});

const start = () => startWorkerProcess({ db, redisUrl: env().REDIS_URL, prefix, queues: ["openai-jobs"], log, lockMs: 2000, stalledMs: 500 });
const row = (jobId: string) => db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } });

describe("openai-jobs consumer", () => {
  it("uses the Settings credential, hands a running job back on shutdown, and the next worker finishes it", async () => {
    const f = await createHostedJob(db, dataDir(), { train: chatJsonl(12), hyperparameters: { n_epochs: 1 } });
    fixtures.push(f);

    const first = await start();
    await waitFor(async () => (await row(f.jobId)).remoteTrainingFileId ?? undefined, 15_000, "the upload with the Settings key");
    const t0 = Date.now();
    await first.close();
    expect(Date.now() - t0).toBeLessThan(5_000); // the run stops between steps, well inside the grace period
    expect(await (await queues.get("openai-jobs").getJob(`finetune-${f.jobId}`))!.getState()).toBe("waiting");
    expect((await row(f.jobId)).status).toBe("uploading");

    emu.advance(1_000); // the file is processed while no worker runs
    const second = await start();
    try {
      await waitFor(async () => (await row(f.jobId)).remoteJobId ?? undefined, 15_000, "the remote job");
      emu.advance(10 * 60_000);
      const done = await waitFor(async () => {
        const r = await row(f.jobId);
        return r.status === "succeeded" ? r : undefined;
      }, 15_000, "the job to succeed");
      expect(done.fineTunedModel).toMatch(/^ft:/);
    } finally {
      await second.close();
    }
    expect(remoteJobsOf(emu, f.jobId)).toHaveLength(1);
    expect(emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/files")).toHaveLength(1);
    expect(emu.requests.every((r) => r.status !== 401)).toBe(true);
    expect(await db.metricPoint.count({ where: { jobId: f.jobId } })).toBe(12);
    // Secrets never reach the logs.
    expect(lines.join("\n")).not.toContain(KEY);
  }, 50_000);
});
