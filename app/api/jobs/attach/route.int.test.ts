import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import type { JobView } from "@/lib/jobs/types";
import { seedDefaultPrices } from "@/lib/pricing/list";
import { uploadFineTuneFile, waitForFile } from "@/lib/providers/openai/finetune";
import { closeQueues, queues } from "@/lib/queue/queues";
import { deleteOpenAICredential, saveOpenAICredential } from "@/lib/settings/credentials";
import { startOpenAIEmulator, type OpenAIEmulator } from "@/test/openai-emulator/server";
import { chatJsonl } from "@/test/openai-emulator/test-helpers";
import { POST as attachRoute } from "./route";

// Attaching a job launched elsewhere: the real SDK creates it on the emulator, then POST /api/jobs/attach
// looks it up with the key saved in Settings and records it for the worker.

const db = prisma();
const BASE = "http://127.0.0.1:3000";
let emu: OpenAIEmulator;
let remoteId: string;
let trainingFile: string;

const attach = async (body: unknown) => {
  const res = await attachRoute(new Request(`${BASE}/api/jobs/attach`, { method: "POST", headers: { host: "127.0.0.1:3000", origin: BASE, "content-type": "application/json" }, body: JSON.stringify(body) }));
  return { status: res.status, body: (await res.json()) as { job: JobView; error: { code: string; message: string } } };
};

beforeAll(async () => {
  emu = await startOpenAIEmulator({ timing: { fileProcessingMs: 10 } });
  await seedDefaultPrices({ db });
  // Launched "elsewhere": straight through the SDK, as a script or OpenAI's dashboard would.
  const client = new OpenAI({ apiKey: "sk-test-elsewhere", baseURL: emu.url, maxRetries: 0 });
  trainingFile = await uploadFineTuneFile(client, { content: chatJsonl(12), filename: "elsewhere.jsonl" });
  await waitForFile(client, trainingFile, { pollMs: 20 });
  const job = await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: trainingFile, suffix: "from-script", seed: 7 });
  remoteId = job.id;
});

afterAll(async () => {
  await db.fineTuneJob.deleteMany({ where: { remoteJobId: remoteId } });
  await deleteOpenAICredential({ db });
  await closeQueues();
  await emu.close();
  await db.$disconnect();
});

describe("POST /api/jobs/attach", () => {
  it("refuses an id of the wrong shape, and says to add a key when none is configured", async () => {
    const bad = await attach({ remoteJobId: "job-123" });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: "invalid_remote_job_id", message: '"job-123" is not an OpenAI fine-tuning job id; they look like ftjob-abc123 (copy it from OpenAI\'s fine-tuning dashboard).' } } });
    const empty = await attach({});
    expect(empty).toMatchObject({ status: 400, body: { error: { message: "remoteJobId: is required, e.g. ftjob-abc123" } } });
    await deleteOpenAICredential({ db });
    const nokey = await attach({ remoteJobId: remoteId });
    expect(nokey).toMatchObject({ status: 400, body: { error: { code: "openai_not_configured", message: "No OpenAI API key is configured. Add one in Settings or set OPENAI_API_KEY." } } });
  });

  it("says so when OpenAI does not know the id", async () => {
    await saveOpenAICredential({ apiKey: "sk-test-attach-0123456789", baseUrl: emu.url }, { db });
    const r = await attach({ remoteJobId: "ftjob-doesnotexist" });
    expect(r.status).toBe(404);
    expect(r.body.error).toEqual({
      code: "remote_job_not_found",
      message: "OpenAI has no fine-tuning job ftjob-doesnotexist for the configured key; check the id, and that the key in Settings belongs to the organization and project that ran it.",
    });
  });

  it("records the remote job as attached and enqueues it; a second attach is refused", async () => {
    const r = await attach({ remoteJobId: ` ${remoteId} ` });
    expect(r.status).toBe(201);
    const job = r.body.job;
    expect(job).toMatchObject({
      provider: "openai",
      attached: true,
      status: "validating_files",
      remoteStatus: "validating_files",
      baseModel: "gpt-4o-mini-2024-07-18",
      method: "supervised",
      remoteJobId: remoteId,
      remoteTrainingFileId: trainingFile,
      remoteValidationFileId: null,
      suffix: "from-script",
      seed: 7,
      dataset: null,
      trainingPricePerMTok: 3,
    });
    expect(job.events.map((e) => e.message)).toEqual([
      `Attached OpenAI job ${remoteId} (gpt-4o-mini-2024-07-18, remote status validating_files); importing its events, metrics and checkpoints.`,
    ]);
    const run = await queues().get("openai-jobs").getJob(`finetune-${job.id}`);
    expect(run?.data).toEqual({ jobId: job.id });

    const again = await attach({ remoteJobId: remoteId });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "already_tracked", message: `${remoteId} is already tracked here as job ${job.id} (attached); open /jobs/${job.id}.` });
  });
});
