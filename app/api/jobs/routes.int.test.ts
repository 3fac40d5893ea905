import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultEpochs } from "@/lib/cost/epochs";
import { prisma } from "@/lib/db/client";
import { dataDir } from "@/lib/env";
import { closeLiveRedis } from "@/lib/jobs/launch/live";
import { chatExample, makeVersion, removeVersions, type VersionFixture } from "@/lib/jobs/launch/test-support";
import type { LaunchEstimate } from "@/lib/jobs/launch/check";
import type { JobView } from "@/lib/jobs/types";
import { seedDefaultPrices } from "@/lib/pricing/list";
import { closeQueues, queues } from "@/lib/queue/queues";
import { deleteOpenAICredential, saveOpenAICredential } from "@/lib/settings/credentials";
import { countChatExampleTokens } from "@/lib/tokens/count";
import { GET as getJob } from "./[id]/route";
import { POST as cancelJob } from "./[id]/cancel/route";
import { POST as estimateRoute } from "./estimate/route";
import { GET as listRoute, POST as launchRoute } from "./route";
import { createRedis } from "@/lib/redis";
import { jobChannel } from "@/lib/jobs/live/channel";
import { env } from "@/lib/env";

// Launch, estimate, list, show and cancel through the real route handlers, Postgres and Redis/BullMQ.

const db = prisma();
const BASE = "http://127.0.0.1:3000";
const MODEL = "gpt-4o-mini-2024-07-18";
const fixtures: VersionFixture[] = [];
let chat: VersionFixture;

const headers = { host: "127.0.0.1:3000", origin: BASE, "content-type": "application/json" };
const post = (p: string, body: unknown) => new Request(`${BASE}${p}`, { method: "POST", headers, body: JSON.stringify(body) });
const get = (p: string) => new Request(`${BASE}${p}`, { headers: { host: "127.0.0.1:3000" } });
const ctx = (params: Record<string, string>) => ({ params: Promise.resolve(params) });
type ErrorBody = { error: { code: string; message: string; details?: { issues: { field: string; code: string; message: string }[] } } };

async function launch(body: unknown) {
  const res = await launchRoute(post("/api/jobs", body));
  return { status: res.status, body: (await res.json()) as { job: JobView } & ErrorBody };
}
async function estimate(body: unknown) {
  const res = await estimateRoute(post("/api/jobs/estimate", body));
  expect(res.status).toBe(200);
  return ((await res.json()) as { estimate: LaunchEstimate }).estimate;
}
const configureKey = () => saveOpenAICredential({ apiKey: "sk-test-launch-0123456789", baseUrl: "http://127.0.0.1:9/v1" }, { db });

beforeAll(async () => {
  await seedDefaultPrices({ db });
  await deleteOpenAICredential({ db });
  await queues().get("openai-jobs").obliterate({ force: true });
  chat = await makeVersion(db, { train: 12, validation: 3 });
  fixtures.push(chat);
});

afterAll(async () => {
  await removeVersions(db, fixtures);
  await deleteOpenAICredential({ db });
  await closeQueues();
  await closeLiveRedis();
  await db.$disconnect();
});

describe("POST /api/jobs/estimate", () => {
  it("bills the train split's tokens × OpenAI's auto epochs × the price table, and says a key is missing", async () => {
    const e = await estimate({ provider: "openai", datasetVersionId: chat.version.id, baseModel: MODEL });
    // Counted independently here with the cookbook formula the estimate is meant to use.
    const perEpoch = Array.from({ length: 12 }, (_, i) => countChatExampleTokens(chatExample(i), MODEL)).reduce((a, b) => a + b, 0);
    expect(e).toMatchObject({
      examples: 12,
      validationExamples: 3,
      tokensPerEpoch: perEpoch,
      epochs: defaultEpochs(12),
      epochsAuto: true,
      billedTokens: perEpoch * defaultEpochs(12),
      priceModel: MODEL,
      usdPerMTok: 3,
      method: "supervised",
      openaiConfigured: false,
      version: { id: chat.version.id, datasetName: chat.datasetName, number: 1, trainCount: 12, validationCount: 3 },
    });
    expect(e.usd).toBeCloseTo((perEpoch * defaultEpochs(12) * 3) / 1e6, 10);
    expect(e.epochsNote).toContain('"auto" lets OpenAI choose: 8 epochs for 12 training examples');
    expect(e.issues).toEqual([
      { field: "credentials", code: "openai_not_configured", message: "No OpenAI key is configured: add your API key in Settings (or set OPENAI_API_KEY), then launch." },
    ]);
  });

  it("uses fixed epochs, a family price, and leaves the cost unknown for a model the table lacks", async () => {
    await configureKey();
    const fixed = await estimate({ provider: "openai", datasetVersionId: chat.version.id, baseModel: "gpt-4o-mini", hyperparameters: { nEpochs: 2 } });
    expect(fixed).toMatchObject({ epochs: 2, epochsAuto: false, epochsNote: null, priceModel: MODEL, billedTokens: fixed.tokensPerEpoch * 2, issues: [] });
    const unknown = await estimate({ provider: "openai", datasetVersionId: chat.version.id, baseModel: "my-private-base" });
    expect(unknown.usd).toBeNull();
    expect(unknown.notes).toContain("The price table has no training price for my-private-base, so the cost is unknown; add the model on the Costs page to see it.");
    expect(unknown.issues).toEqual([]);
  });

  it("keeps estimating while a field is wrong, listing what to fix", async () => {
    const e = await estimate({ provider: "openai", datasetVersionId: chat.version.id, baseModel: MODEL, suffix: "x".repeat(65), hyperparameters: { nEpochs: 3, batchSize: 300 } });
    expect(e.epochs).toBe(3);
    expect(e.tokensPerEpoch).toBeGreaterThan(0);
    expect(e.issues.map((i) => [i.field, i.message])).toEqual([
      ["hyperparameters.batchSize", 'batch_size: must be "auto" or an integer from 1 to 256.'],
      ["suffix", "suffix: must be 1 to 64 characters."],
    ]);
  });
});

describe("POST /api/jobs refusals", () => {
  const base = () => ({ provider: "openai", datasetVersionId: chat.version.id, baseModel: MODEL });
  const refusal = async (body: unknown) => {
    const r = await launch(body);
    return { status: r.status, code: r.body.error.code, message: r.body.error.message };
  };

  it("says which field is wrong and what to do, and writes nothing", async () => {
    await configureKey();
    const before = await db.fineTuneJob.count();
    expect(await refusal({ ...base(), hyperparameters: { nEpochs: 0 } })).toEqual({ status: 400, code: "invalid_hyperparameter", message: 'n_epochs: must be "auto" or an integer from 1 to 50.' });
    expect(await refusal({ ...base(), hyperparameters: { batchSize: 257 } })).toMatchObject({ status: 400, message: 'batch_size: must be "auto" or an integer from 1 to 256.' });
    expect(await refusal({ ...base(), hyperparameters: { learningRateMultiplier: 0 } })).toMatchObject({ status: 400, message: 'learning_rate_multiplier: must be "auto" or greater than 0.' });
    expect(await refusal({ ...base(), hyperparameters: { beta: 0.1 } })).toMatchObject({ status: 400, message: "beta: only applies to the dpo method." });
    expect(await refusal({ ...base(), suffix: "" })).toMatchObject({ status: 400, message: "suffix: must be 1 to 64 characters." });
    expect(await refusal({ ...base(), seed: 1.5 })).toMatchObject({ status: 400, message: "seed: must be an integer from 0 to 2147483647." });
    expect(await refusal({ ...base(), baseModel: "gpt 4o" })).toMatchObject({ status: 400, message: 'baseModel: "gpt 4o" contains spaces; model names look like gpt-4o-mini-2024-07-18.' });
    // A local launch names a model folder; an OpenAI model name is not one.
    expect(await refusal({ ...base(), provider: "local" })).toMatchObject({ status: 400, message: expect.stringMatching(/^No model folder "gpt-4o-mini-2024-07-18" in the models directory .*The Models page lists what is there\.$/) });
    expect(await refusal({ ...base(), provider: "anthropic" })).toMatchObject({ status: 400, code: "provider_unsupported", message: 'provider "anthropic" is not one tuneforge can launch; use "openai" (hosted) or "local" (the native trainer on a GPU worker).' });
    expect(await refusal({ ...base(), datasetVersionId: "nope" })).toMatchObject({ status: 404, code: "version_not_found" });
    // Shape errors name the field as OpenAI does.
    expect(await refusal({ ...base(), hyperparameters: { nEpochs: "three" } })).toMatchObject({ status: 400, message: 'n_epochs: must be "auto" or a number.' });
    expect(await refusal({ provider: "openai", baseModel: MODEL })).toMatchObject({ status: 400, message: "datasetVersionId: pick a dataset version (datasetVersionId, or datasetId with versionNumber)." });
    const many = await launch({ ...base(), suffix: "", seed: -1 });
    expect(many.body.error.message).toBe("2 problems block this launch: suffix: must be 1 to 64 characters. seed: must be an integer from 0 to 2147483647.");
    expect(many.body.error.details?.issues.map((i) => i.field)).toEqual(["suffix", "seed"]);
    expect(await db.fineTuneJob.count()).toBe(before);
  });

  it("refuses without an OpenAI key, with too few examples, and methods that do not fit the data", async () => {
    await deleteOpenAICredential({ db });
    expect(await refusal(base())).toEqual({ status: 409, code: "openai_not_configured", message: "No OpenAI key is configured: add your API key in Settings (or set OPENAI_API_KEY), then launch." });
    await configureKey();

    const small = await makeVersion(db, { train: 9, validation: 2 });
    const prefs = await makeVersion(db, { train: 10, kind: "preference" });
    fixtures.push(small, prefs);
    expect(await refusal({ ...base(), datasetVersionId: small.version.id })).toEqual({
      status: 409,
      code: "too_few_examples",
      message: `version v1 of "${small.datasetName}" has 9 training examples; OpenAI needs at least 10. Add examples to the train split and freeze a new version.`,
    });
    expect(await refusal({ ...base(), method: "dpo" })).toEqual({
      status: 400,
      code: "method_mismatch",
      message: `DPO needs preference pairs, and version v1 of "${chat.datasetName}" has none; choose supervised, or import DPO preference data and freeze a new version.`,
    });
    expect(await refusal({ ...base(), datasetVersionId: prefs.version.id, method: "supervised" })).toMatchObject({
      status: 400,
      message: `version v1 of "${prefs.datasetName}" holds only preference pairs; choose the dpo method to train on them.`,
    });
    // Without a method, a preference-only version trains with DPO (the only method that fits it).
    const dpo = await estimate({ provider: "openai", datasetVersionId: prefs.version.id, baseModel: MODEL, hyperparameters: { beta: 0.2 } });
    expect(dpo).toMatchObject({ method: "dpo", issues: [] });
  });

  it("refuses a version whose frozen files were damaged or removed", async () => {
    const damaged = await makeVersion(db, { train: 11 });
    const gone = await makeVersion(db, { train: 11 });
    fixtures.push(damaged, gone);
    const lines = ['{"messages": "oops"}', ...Array.from({ length: 11 }, (_, i) => JSON.stringify(chatExample(i)))];
    await writeFile(path.join(dataDir(), damaged.version.trainPath), lines.join("\n") + "\n");
    await writeFile(path.join(dataDir(), gone.version.trainPath), "");
    const { rm } = await import("node:fs/promises");
    await rm(path.join(dataDir(), gone.version.trainPath));
    const bad = await refusal({ ...base(), datasetVersionId: damaged.version.id });
    expect(bad.status).toBe(409);
    expect(bad.code).toBe("version_has_errors");
    expect(bad.message).toMatch(new RegExp(`^version v1 of "${damaged.datasetName}" has 1 error \\(first: line 1: .*messages.*\\); fix the examples in the dataset and freeze a new version\\.`));
    const missing = await refusal({ ...base(), datasetVersionId: gone.version.id });
    expect(missing).toMatchObject({ status: 409, code: "version_unreadable" });
    expect(missing.message).toMatch(/^The frozen files of version v1 of ".*" cannot be read \(.*no such file.*\); check the data directory, or freeze a new version\.$/);
  });
});

describe("launch, list, show and cancel", () => {
  let job: JobView;

  it("records the job with its estimate and one queued event, and enqueues finetune-<id>", async () => {
    await configureKey();
    const e = await estimate({ provider: "openai", datasetVersionId: chat.version.id, baseModel: MODEL, hyperparameters: { nEpochs: 4, batchSize: "auto" }, suffix: "support-v1", seed: 42 });
    const r = await launch({ provider: "openai", datasetVersionId: chat.version.id, baseModel: MODEL, hyperparameters: { nEpochs: 4, batchSize: "auto" }, suffix: "support-v1", seed: 42 });
    expect(r.status).toBe(201);
    job = r.body.job;
    expect(job).toMatchObject({
      status: "queued",
      provider: "openai",
      method: "supervised",
      baseModel: MODEL,
      hyperparameters: { nEpochs: 4, batchSize: "auto" },
      suffix: "support-v1",
      seed: 42,
      attached: false,
      estimatedTokensPerEpoch: e.tokensPerEpoch,
      estimatedEpochs: 4,
      trainingPricePerMTok: 3,
      dataset: { versionId: chat.version.id, datasetName: chat.datasetName, versionNumber: 1, trainCount: 12, validationCount: 3 },
      metrics: [],
    });
    expect(job.estimatedUsd).toBeCloseTo(Number(e.usd!.toFixed(4)), 4);
    expect(job.events.map((ev) => ev.message)).toEqual([
      `Queued: supervised fine-tune of ${MODEL} on "${chat.datasetName}" v1 (12 training, 3 validation examples); ${e.tokensPerEpoch.toLocaleString("en-US")} tokens × 4 epochs, estimated $${e.usd!.toFixed(e.usd! < 0.01 ? 4 : 2)}.`,
    ]);
    const run = await queues().get("openai-jobs").getJob(`finetune-${job.id}`);
    expect(run?.name).toBe("finetune.run");
    expect(run?.data).toEqual({ jobId: job.id });
  });

  it("shows the job and lists it with filters", async () => {
    const shown = await getJob(get(`/api/jobs/${job.id}`), ctx({ id: job.id }));
    expect(((await shown.json()) as { job: JobView }).job).toEqual(job);
    const missing = await getJob(get("/api/jobs/nope"), ctx({ id: "nope" }));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as ErrorBody).error.message).toBe("No fine-tuning job with id nope");

    const list = async (q: string) => ((await (await listRoute(get(`/api/jobs${q}`))).json()) as { jobs: { id: string }[] }).jobs.map((j) => j.id);
    expect(await list(`?status=queued,running&provider=openai&model=4O-MINI&datasetId=${chat.datasetId}`)).toEqual([job.id]);
    expect(await list(`?status=succeeded&datasetId=${chat.datasetId}`)).toEqual([]);
    const bad = await listRoute(get("/api/jobs?status=done&limit=0"));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error.message).toBe('status: unknown status "done"; use queued, uploading, validating_files, running, cancelling, succeeded, failed, cancelled');
    // A page says where it stands; a cursor the list did not write is refused by name.
    const page = (await (await listRoute(get(`/api/jobs?datasetId=${chat.datasetId}&limit=1`))).json()) as { total: number; newer: number; older: string | null };
    expect(page).toMatchObject({ total: 1, newer: 0, older: null });
    const badCursor = await listRoute(get("/api/jobs?before=page-2"));
    expect(badCursor.status).toBe(400);
    expect(((await badCursor.json()) as ErrorBody).error.message).toContain('before: "page-2" is not a jobs-list cursor');
  });

  it("cancel marks the job cancelling, writes an event, publishes the row and keeps a run queued", async () => {
    const sub = createRedis("client");
    const messages: unknown[] = [];
    await sub.subscribe(jobChannel(env().TUNEFORGE_QUEUE_PREFIX, job.id));
    sub.on("message", (_channel, raw) => messages.push(JSON.parse(raw)));
    // A finished run with the same id must not swallow the re-enqueue: the worker has to see the request.
    const q = queues().get("openai-jobs");
    await (await q.getJob(`finetune-${job.id}`))!.remove();
    await q.add("finetune.run", { jobId: job.id }, { jobId: `finetune-${job.id}` });

    const res = await cancelJob(post(`/api/jobs/${job.id}/cancel`, {}), ctx({ id: job.id }));
    expect(res.status).toBe(200);
    const view = ((await res.json()) as { job: JobView }).job;
    expect(view.status).toBe("cancelling");
    expect(view.cancelRequestedAt).not.toBeNull();
    expect(view.events.at(-1)?.message).toBe("Cancel requested; was queued. The worker cancels it with the provider.");
    await expect.poll(() => messages.length).toBe(1);
    expect(messages[0]).toMatchObject({ type: "job", job: { id: job.id, status: "cancelling" } });
    expect(await (await q.getJob(`finetune-${job.id}`))?.getState()).toBe("waiting");

    // Asking again changes nothing and writes no second event.
    const again = ((await (await cancelJob(post(`/api/jobs/${job.id}/cancel`, {}), ctx({ id: job.id }))).json()) as { job: JobView }).job;
    expect(again.events).toHaveLength(view.events.length);
    await sub.quit();
  });

  it("re-enqueues when the job's previous run already finished", async () => {
    await queues().get("openai-jobs").obliterate({ force: true });
    const r = await launch({ provider: "openai", datasetVersionId: chat.version.id, baseModel: MODEL });
    const id = r.body.job.id;
    const q = queues().get("openai-jobs");
    const run = (await q.getJob(`finetune-${id}`))!;
    // Move the run to "completed" the way a worker would (take it, then finish it).
    const { Worker } = await import("bullmq");
    const w = new Worker("openai-jobs", async () => "done", { connection: createRedis("bullmq"), prefix: env().TUNEFORGE_QUEUE_PREFIX, autorun: false });
    const taken = await w.getNextJob("tok");
    expect(taken?.id).toBeDefined();
    await taken!.moveToCompleted("done", "tok", false);
    await w.close();
    expect(await run.getState()).not.toBe("waiting");
    await cancelJob(post(`/api/jobs/${id}/cancel`, {}), ctx({ id }));
    expect(await (await q.getJob(`finetune-${id}`))?.getState()).toBe("waiting");
  });

  it("refuses to cancel a finished job or one that does not exist", async () => {
    await db.fineTuneJob.update({ where: { id: job.id }, data: { status: "succeeded" } });
    const done = await cancelJob(post(`/api/jobs/${job.id}/cancel`, {}), ctx({ id: job.id }));
    expect(done.status).toBe(409);
    expect(((await done.json()) as ErrorBody).error).toMatchObject({ code: "job_finished", message: `Job ${job.id} already succeeded; there is nothing to cancel.` });
    const none = await cancelJob(post("/api/jobs/nope/cancel", {}), ctx({ id: "nope" }));
    expect(none.status).toBe(404);
  });
});
