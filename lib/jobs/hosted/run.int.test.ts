import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { noFaults } from "../../../test/openai-emulator/faults";
import { startOpenAIEmulator, type OpenAIEmulator } from "../../../test/openai-emulator/server";
import { chatJsonl } from "../../../test/openai-emulator/test-helpers";
import { createPrismaClient } from "../../db/client";
import { emulatorClient } from "../../providers/openai/finetune/test-support";
import { WIND_DOWN_EXPLANATION } from "../../providers/openai/finetune/errors";
import { createRedis } from "../../redis";
import { deleteKeysUnder, uniquePrefix } from "../../workers/testing";
import { parseLiveMessage, type LiveMessage } from "../live/channel";
import { loadJobRow, type HostedDeps, type StepContext } from "./context";
import { prepareStep } from "./prepare";
import { runHostedJob } from "./run";
import { createHostedJob, deleteHostedJobs, emulatorCurve, invalidChatJsonl, remoteJobsOf, type HostedFixture } from "./test-support";

// The run state machine in-process, through the real SDK against the emulator on a manual clock: every
// wait of the loop moves the emulator's clock instead of sleeping, so a whole job takes well under a second.
// Real Postgres for the rows and real Redis pub/sub for what is published.

const db = createPrismaClient();
const redis = createRedis("client");
const sub = createRedis("client");
const prefix = uniquePrefix("hosted");
const fixtures: HostedFixture[] = [];
const live: { jobId: string; message: LiveMessage }[] = [];
let emu: OpenAIEmulator;
let dataDir: string;
/** Called before each wait with the wait's length; tests use it to act "while the job runs". */
let onSleep: ((ms: number) => Promise<void>) | null = null;
const sleeps: number[] = [];

beforeAll(async () => {
  emu = await startOpenAIEmulator({ manualClock: true });
  dataDir = await mkdtemp(path.join(tmpdir(), "tf-hosted-"));
  // A subscriber may only subscribe once it has selected its db (ioredis does that on connect).
  if (sub.status !== "ready") await new Promise((resolve) => sub.once("ready", resolve));
  await sub.psubscribe(`${prefix}:live:job:*`);
  sub.on("pmessage", (_p, channel, raw) => {
    const message = parseLiveMessage(raw);
    if (message) live.push({ jobId: channel.split(":").at(-1)!, message });
  });
});
afterAll(async () => {
  await deleteHostedJobs(db, fixtures);
  await emu.close();
  await rm(dataDir, { recursive: true, force: true });
  await sub.quit();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await db.$disconnect();
});
beforeEach(() => {
  Object.assign(emu.faults, noFaults());
  onSleep = null;
  sleeps.length = 0;
});

function deps(): HostedDeps {
  return {
    db,
    pub: { redis, prefix },
    client: async () => emulatorClient(emu.url, 0),
    dataDir,
    timing: { pollMs: 1000, slowPollMs: 1000, backoffMaxMs: 60_000 },
    sleep: async (ms) => {
      sleeps.push(ms);
      if (onSleep) await onSleep(ms);
      emu.advance(ms);
    },
  };
}

async function job(opts: Parameters<typeof createHostedJob>[2]) {
  const f = await createHostedJob(db, dataDir, opts);
  fixtures.push(f);
  return f.jobId;
}

const messagesOf = (jobId: string, type: LiveMessage["type"]) => live.filter((l) => l.jobId === jobId && l.message.type === type).map((l) => l.message);
/** Pub/sub delivery is asynchronous: give the last messages a moment to arrive. */
async function settled() {
  await new Promise((r) => setTimeout(r, 100));
}

describe("hosted job run", () => {
  it("uploads, creates, polls to success: every step once, equal to the emulator's curve, results kept, actual cost", async () => {
    const jobId = await job({ train: chatJsonl(20), validation: chatJsonl(10), pricePerMTok: 3 });
    const result = await runHostedJob(deps(), jobId);
    expect(result).toEqual({ outcome: "finished", status: "succeeded", joined: false });

    const row = await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } });
    expect(row).toMatchObject({ status: "succeeded", remoteStatus: "succeeded", retryMessage: null, errorCode: null });
    expect(row.fineTunedModel).toMatch(/^ft:gpt-4o-mini-2024-07-18:/);
    expect(row.remoteTrainingFileId).toMatch(/^file-/);
    expect(row.remoteValidationFileId).toMatch(/^file-/);
    expect(row.startedAt).not.toBeNull();
    // Each status change is an event of ours carrying data.status, in order (the page's status timeline).
    const transitions = (await db.jobEvent.findMany({ where: { jobId, remoteId: null }, orderBy: { createdAt: "asc" } }))
      .map((e) => (e.data as { status?: string } | null)?.status)
      .filter(Boolean);
    expect(transitions[0]).toBe("uploading");
    expect(transitions).toContain("running");
    expect(transitions.at(-1)).toBe("succeeded");
    expect(new Set(transitions).size).toBe(transitions.length);
    expect(row.finishedAt).not.toBeNull();
    expect(row.trainedTokens).toBeGreaterThan(0);
    expect(row.actualUsd?.toNumber()).toBeCloseTo((row.trainedTokens! * 3) / 1e6, 4);
    expect(remoteJobsOf(emu, jobId)).toHaveLength(1);

    const curve = emulatorCurve(emu, row.remoteJobId!);
    expect(curve).toHaveLength(40); // 20 examples × 2 epochs at batch size 1
    const points = await db.metricPoint.findMany({ where: { jobId }, orderBy: { step: "asc" } });
    expect(points.map((p) => ({ step: p.step, trainLoss: p.trainLoss }))).toEqual(curve);
    expect(points[19]).toMatchObject({ totalSteps: 40, epoch: 1, fullValidLoss: expect.any(Number) });
    expect(points[0]!.epoch).toBeCloseTo(0.05, 4);

    const checkpoints = await db.checkpoint.findMany({ where: { jobId }, orderBy: { step: "asc" } });
    expect(checkpoints.map((c) => c.step)).toEqual([20, 40]);
    expect(checkpoints[1]!.modelName).toBe(row.fineTunedModel); // renamed to the final model at the end

    const events = await db.jobEvent.findMany({ where: { jobId }, orderBy: { createdAt: "asc" } });
    const remote = events.filter((e) => e.remoteId);
    expect(new Set(remote.map((e) => e.remoteId)).size).toBe(emu.state.jobs.get(row.remoteJobId!)!.events.length);
    expect(row.lastEventRemoteId).toBe(emu.state.jobs.get(row.remoteJobId!)!.events.at(-1)!.id);

    const artifact = await db.artifact.findFirstOrThrow({ where: { jobId, kind: "results_csv" } });
    const csv = readFileSync(path.join(dataDir, artifact.path), "utf8");
    expect(csv.startsWith("step,train_loss,")).toBe(true);
    expect(csv.trim().split("\n")).toHaveLength(41);
    expect(Number(artifact.sizeBytes)).toBe(Buffer.byteLength(csv));

    // Published after the writes: each point exactly once, and the last summary is the terminal row.
    await settled();
    const published = messagesOf(jobId, "metrics").flatMap((m) => (m.type === "metrics" ? m.points.map((p) => p.step) : []));
    expect(published).toEqual(curve.map((c) => c.step));
    const summaries = messagesOf(jobId, "job").map((m) => (m.type === "job" ? m.job : null));
    expect(summaries.map((s) => s!.status)).toEqual(expect.arrayContaining(["uploading", "validating_files", "queued", "running", "succeeded"]));
    expect(summaries.at(-1)).toMatchObject({ status: "succeeded", fineTunedModel: row.fineTunedModel, progress: { step: 40, totalSteps: 40 } });

    // A re-run of a finished job does nothing.
    const before = emu.requests.length;
    expect(await runHostedJob(deps(), jobId)).toEqual({ outcome: "skipped", status: "succeeded", joined: false });
    expect(emu.requests.length).toBe(before);
  });

  it("keeps a succeeded job succeeded when OpenAI's results file is gone, saying so in an event", async () => {
    const jobId = await job({ train: chatJsonl(12), hyperparameters: { n_epochs: 1 } });
    onSleep = async (ms) => {
      emu.advance(ms); // move on here, so the results file can be removed before the loop's next poll reads it
      for (const r of remoteJobsOf(emu, jobId)) for (const id of r.job.result_files) emu.state.files.delete(id);
    };
    expect(await runHostedJob(deps(), jobId)).toMatchObject({ status: "succeeded" });
    expect(await db.artifact.count({ where: { jobId } })).toBe(0);
    expect(await db.metricPoint.count({ where: { jobId } })).toBe(12);
    const warn = await db.jobEvent.findFirstOrThrow({ where: { jobId, level: "warn" } });
    expect(warn.message).toMatch(/results file file-\S+ could not be read .*No such File object.*the curve shown comes from the job's events/);
  });

  it("fails on 403 training_not_available with OpenAI's words and the wind-down explanation, creating nothing", async () => {
    emu.faults.trainingNotAvailable = true;
    const jobId = await job({ train: chatJsonl(12) });
    expect(await runHostedJob(deps(), jobId)).toMatchObject({ outcome: "finished", status: "failed" });
    const row = await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } });
    expect(row.errorCode).toBe("training_not_available");
    expect(row.errorMessage).toMatch(/^OpenAI is winding down the fine-tuning platform/);
    expect(row.errorMessage).toContain(WIND_DOWN_EXPLANATION);
    expect(row.remoteJobId).toBeNull();
    expect(remoteJobsOf(emu, jobId)).toHaveLength(0);
    const events = await db.jobEvent.findMany({ where: { jobId, level: "error" } });
    expect(events.map((e) => e.message)).toContain(
      "OpenAI is winding down the fine-tuning platform and your organization is no longer able to create new fine-tuning training jobs. Learn more https://developers.openai.com/api/docs/deprecations#update-to-openais-self-serve-fine-tuning",
    );
  });

  it("shows a retry message on 429, waits the retry-after, then clears it and succeeds", async () => {
    const jobId = await job({ train: chatJsonl(12), hyperparameters: { n_epochs: 1 } });
    emu.faults.retryAfterSeconds = 2;
    let seen: string | null = null;
    let hits = 0;
    onSleep = async () => {
      // Rate-limit twice once the remote job exists, and look at the row while the loop waits.
      const row = await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } });
      if (row.retryMessage) seen = row.retryMessage;
      if (row.remoteJobId && hits === 0) {
        hits = 1;
        emu.faults.rateLimitNext = 2;
      }
    };
    expect(await runHostedJob(deps(), jobId)).toMatchObject({ status: "succeeded" });
    expect(seen).toMatch(/429.*rate_limit_exceeded.*Retrying in 2 s \(attempt \d\)/);
    expect(sleeps.filter((ms) => ms === 2000)).toHaveLength(2);
    expect(emu.requests.filter((r) => r.status === 429)).toHaveLength(2);
    expect((await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } })).retryMessage).toBeNull();
    expect(await db.metricPoint.count({ where: { jobId } })).toBe(12);
  });

  it("retries through 500s and an unreachable server with backoff, repeating no side effect", async () => {
    const jobId = await job({ train: chatJsonl(12), hyperparameters: { n_epochs: 1 } });
    const messages: string[] = [];
    let phase = 0;
    const base = deps();
    const down = emulatorClient("http://127.0.0.1:1/v1", 0);
    let useDown = false;
    const d: HostedDeps = {
      ...base,
      // The same SDK client, pointed at a closed port while "OpenAI is down".
      client: async () => new Proxy(emulatorClient(emu.url, 0), { get: (t, k) => Reflect.get(useDown ? down : t, k) }),
      sleep: async (ms, signal) => {
        const r = await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } });
        if (r.retryMessage) messages.push(r.retryMessage);
        if (r.remoteJobId && phase === 0) {
          phase = 1;
          emu.faults.serverErrorNext = 2;
        } else if (phase === 1 && emu.faults.serverErrorNext === 0) {
          phase = 2;
          useDown = true;
        } else if (phase === 2 && r.retryMessage?.includes("Cannot reach")) {
          phase = 3;
          useDown = false;
        }
        await base.sleep!(ms, signal);
      },
    };
    expect(await runHostedJob(d, jobId)).toMatchObject({ status: "succeeded" });
    expect(messages.some((m) => /failed \(500\).*Retrying in 1 s \(attempt 2\)/.test(m))).toBe(true);
    expect(messages.some((m) => /failed \(500\).*Retrying in 2 s \(attempt 3\)/.test(m))).toBe(true);
    // Consecutive failures keep doubling the wait, whatever their kind.
    expect(messages).toContain("Cannot reach http://127.0.0.1:1/v1. Check the base URL and that the server is running. Retrying in 4 s (attempt 4).");
    expect(remoteJobsOf(emu, jobId)).toHaveLength(1);
    expect(await db.metricPoint.count({ where: { jobId } })).toBe(12);
    expect((await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } })).retryMessage).toBeNull();
  });

  it("finds the job by metadata after a lost create response: one remote job", async () => {
    emu.faults.dropJobCreateResponses = 1;
    const jobId = await job({ train: chatJsonl(12), hyperparameters: { n_epochs: 1 } });
    expect(await runHostedJob(deps(), jobId)).toMatchObject({ status: "succeeded" });
    expect(remoteJobsOf(emu, jobId)).toHaveLength(1);
    const creates = emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/fine_tuning/jobs");
    expect(creates.filter((r) => r.status === -1).length).toBe(1);
    expect(await db.metricPoint.count({ where: { jobId } })).toBe(12);
  });

  it("fails with the provider's message when OpenAI rejects the training file while validating", async () => {
    const jobId = await job({ train: invalidChatJsonl(12) });
    expect(await runHostedJob(deps(), jobId)).toMatchObject({ status: "failed" });
    const row = await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } });
    expect(row.errorCode).toBe("invalid_training_file");
    expect(row.errorMessage).toBe("The job failed due to an invalid training file. Invalid file format. Example 4, message 1 Discriminator 'role' is missing in value");
    expect(row.remoteStatus).toBe("failed");
  });

  it("cancels mid-run through OpenAI and ends cancelled with the points it had", async () => {
    const jobId = await job({ train: chatJsonl(30), hyperparameters: { n_epochs: 3 } });
    onSleep = async () => {
      if ((await db.metricPoint.count({ where: { jobId } })) >= 10) {
        // What the cancel endpoint does (lib/jobs/cancel.ts): mark the request; the loop acts on it.
        await db.fineTuneJob.updateMany({ where: { id: jobId, cancelRequestedAt: null }, data: { cancelRequestedAt: new Date(), status: "cancelling" } });
      }
    };
    expect(await runHostedJob(deps(), jobId)).toMatchObject({ status: "cancelled" });
    const row = await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } });
    expect(emu.state.jobs.get(row.remoteJobId!)!.job.status).toBe("cancelled");
    expect(row.finishedAt).not.toBeNull();
    const steps = (await db.metricPoint.findMany({ where: { jobId }, orderBy: { step: "asc" } })).map((p) => p.step);
    expect(steps.length).toBeGreaterThanOrEqual(10);
    expect(steps.length).toBeLessThan(90);
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
  });

  it("cancels before any remote job exists without creating one", async () => {
    emu.faults.stallFileProcessing = true;
    const jobId = await job({ train: chatJsonl(12) });
    onSleep = async () => {
      await db.fineTuneJob.updateMany({ where: { id: jobId, cancelRequestedAt: null }, data: { cancelRequestedAt: new Date(), status: "cancelling" } });
    };
    expect(await runHostedJob(deps(), jobId)).toMatchObject({ status: "cancelled" });
    expect(remoteJobsOf(emu, jobId)).toHaveLength(0);
    const events = await db.jobEvent.findMany({ where: { jobId } });
    expect(events.map((e) => e.message).join("\n")).toMatch(/Cancelled before a job was created on OpenAI/);
  });

  it("re-uploads a recorded file OpenAI no longer has, and reuses one it still has", async () => {
    const jobId = await job({ train: chatJsonl(12), validation: chatJsonl(10), hyperparameters: { n_epochs: 1 } });
    const kept = await emulatorClient(emu.url).files.create({ file: new File([chatJsonl(10)], "v.jsonl"), purpose: "fine-tune" });
    await db.fineTuneJob.update({ where: { id: jobId }, data: { remoteTrainingFileId: "file-deleted-meanwhile", remoteValidationFileId: kept.id } });
    expect(await runHostedJob(deps(), jobId)).toMatchObject({ status: "succeeded" });
    const row = await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } });
    expect(row.remoteTrainingFileId).toMatch(/^file-/);
    expect(row.remoteTrainingFileId).not.toBe("file-deleted-meanwhile");
    expect(row.remoteValidationFileId).toBe(kept.id);
    expect(emu.state.jobs.get(row.remoteJobId!)!.job.validation_file).toBe(kept.id);
  });

  it("creates one remote job when several workers reach the create step of the same job at once", async () => {
    const jobId = await job({ train: chatJsonl(12) });
    const client = emulatorClient(emu.url);
    const file = await client.files.create({ file: new File([chatJsonl(12)], "t.jsonl"), purpose: "fine-tune" });
    emu.advance(1000);
    await db.fineTuneJob.update({ where: { id: jobId }, data: { status: "uploading", remoteTrainingFileId: file.id } });
    // Both read the row before either created anything, as two processes holding the job would.
    const stale = (await loadJobRow(db, jobId))!;
    const ctx = (): StepContext => ({ ...deps(), client, mem: { processedFiles: new Set(), cancelSent: false, failures: 0 } });
    // The file check runs before the create; marking the file as already seen lines all contenders up at the create.
    const seen = (): StepContext => ({ ...ctx(), mem: { processedFiles: new Set([file.id]), cancelSent: false, failures: 0 } });
    await Promise.all(Array.from({ length: 4 }, () => prepareStep(seen(), stale)));
    expect(remoteJobsOf(emu, jobId)).toHaveLength(1);
    expect((await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } })).remoteJobId).toBe(remoteJobsOf(emu, jobId)[0]!.job.id);
  });

  it("fails with a message that names the file when the frozen version is missing on disk", async () => {
    const jobId = await job({ train: chatJsonl(12) });
    const v = await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId }, include: { datasetVersion: true } });
    await rm(path.join(dataDir, v.datasetVersion!.trainPath));
    expect(await runHostedJob(deps(), jobId)).toMatchObject({ status: "failed" });
    const row = await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } });
    expect(row.errorCode).toBe("dataset_file_missing");
    expect(row.errorMessage).toMatch(/frozen training file of dataset version 1 is missing .*train\.jsonl.*restore it/);
    expect(existsSync(path.join(dataDir, v.datasetVersion!.trainPath))).toBe(false);
  });

  it("polls an attached job only, and a second run of the same job in this process joins the first", async () => {
    const client = emulatorClient(emu.url);
    const file = await client.files.create({ file: new File([chatJsonl(12)], "t.jsonl"), purpose: "fine-tune" });
    emu.advance(1000);
    const remote = await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: file.id, method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 1 } } } });
    const jobId = await job({ train: chatJsonl(12), attachedRemoteId: remote.id });
    const uploadsBefore = emu.requests.filter((r) => r.method === "POST").length;
    const [a, b] = await Promise.all([runHostedJob(deps(), jobId), runHostedJob(deps(), jobId)]);
    expect([a.joined, b.joined].sort()).toEqual([false, true]);
    expect(a.outcome === "finished" && a.status).toBe("succeeded");
    expect(emu.requests.filter((r) => r.method === "POST").length).toBe(uploadsBefore);
    expect(await db.metricPoint.count({ where: { jobId } })).toBe(12);
  });
});
