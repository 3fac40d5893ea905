import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The models directory is read once per process (lib/env.ts): point it at this file's own before anything reads it.
vi.hoisted(() => {
  process.env.TUNEFORGE_MODELS_DIR = `${process.env.TUNEFORGE_DATA_DIR}/models-playground-int`;
});

import { GET as choicesRoute, POST as playgroundRoute } from "../../app/api/playground/route";
import { startWorkerProcess, type WorkerProcess } from "../../workers/runtime";
import { trainTinyAdapter } from "../artifacts/testing";
import { prisma } from "../db/client";
import { dataDir, env, modelsDir } from "../env";
import { HttpError } from "../http/errors";
import { closeLiveHub, liveHub } from "../jobs/live/hub";
import { closeQueues } from "../queue/queues";
import { createRedis } from "../redis";
import { writeTinyModel } from "../testing/tiny-model";
import { useMistralToolTemplate } from "../testing/tiny-model/mistral-tools-template";
import { deleteKeysUnder } from "../workers/testing";
import { askPlayground } from "./testing";
import { inferenceChannel, parseInferenceMessage, requestCancel, type InferenceMessage } from "./channel";
import { runPlaygroundGeneration, WAITED_NOTE } from "./generate-run";
import { localGenerator } from "../eval/models/local";
import type { PlaygroundChoices } from "./choices";
import { playgroundRequestSchema, playgroundStreamResponse } from "./request";
import { loadNativeAddon } from "../../native/index";

// The playground on real parts: POST /api/playground (the route handler) → Redis/BullMQ → a real worker
// process consuming `inference` → the native addon generating on a generated tiny model, with and without
// an adapter trained here → tokens back over Redis pub/sub → Server-Sent Events read like a browser would.

const db = prisma();
const run = randomBytes(4).toString("hex");
const MODEL = "tiny-playground";
// The tiny model writes hundreds of tokens in a few milliseconds, faster than a Stop can arrive; the
// "small" preset (~20M parameters) generates slowly enough on the CPU to be stopped midway.
const SLOW_MODEL = "small-playground";
const relJobDir = `int-playground/${run}`;
let worker: WorkerProcess;
let jobId = "";
let datasetId = "";
const jobs: string[] = [];
const question = [{ role: "system" as const, content: "Answer in JSON." }, { role: "user" as const, content: "What color is the sky?" }];

const ask = (body: Record<string, unknown>, opts: { abortAfterTokens?: number } = {}) => askPlayground(playgroundRoute, body, opts);

beforeAll(async () => {
  const modelDir = path.join(modelsDir(), MODEL);
  writeTinyModel({ dir: modelDir, preset: "tiny", seed: 21 });
  writeTinyModel({ dir: path.join(modelsDir(), SLOW_MODEL), preset: "small", seed: 5 });
  // Enough steps that the adapter answers the color task instead of the base model's noise.
  await trainTinyAdapter({ modelDir, outDir: path.join(dataDir(), relJobDir, "adapter"), epochs: 10 });
  const ds = await db.dataset.create({ data: { name: `playground-${run}` } });
  datasetId = ds.id;
  const v = await db.datasetVersion.create({
    data: { datasetId, number: 1, trainPath: "t.jsonl", sha256: "0".repeat(64), exampleCount: 16, trainCount: 16, validationCount: 0, tokenCount: 1 },
  });
  const mk = async (data: { status: "succeeded" | "running"; adapterPath: string | null; baseModel?: string }) => {
    const j = await db.fineTuneJob.create({ data: { provider: "local", baseModel: MODEL, datasetVersionId: v.id, suffix: "colors", finishedAt: new Date(), ...data } });
    jobs.push(j.id);
    return j.id;
  };
  jobId = await mk({ status: "succeeded", adapterPath: `${relJobDir}/adapter` });
  worker = await startWorkerProcess({ db, redisUrl: env().REDIS_URL, prefix: env().TUNEFORGE_QUEUE_PREFIX, queues: ["inference"], closeGraceMs: 2_000, log: { info: () => {}, warn: () => {}, error: (m) => console.error(m) } });
  (globalThis as { mk?: typeof mk }).mk = mk;
}, 120_000);

afterAll(async () => {
  await worker?.close();
  await closeQueues();
  await closeLiveHub();
  const redis = createRedis("client");
  await deleteKeysUnder(redis, `${env().TUNEFORGE_QUEUE_PREFIX}:inference-cancel`);
  await redis.quit();
  await db.fineTuneJob.deleteMany({ where: { id: { in: jobs } } });
  await db.datasetVersion.deleteMany({ where: { datasetId } });
  await db.dataset.deleteMany({ where: { id: datasetId } });
  fs.rmSync(path.join(dataDir(), relJobDir), { recursive: true, force: true });
  fs.rmSync(modelsDir(), { recursive: true, force: true }); // this file's own models directory
});

const mkJob = (data: { status: "succeeded" | "running"; adapterPath: string | null }) => (globalThis as unknown as { mk: (d: typeof data) => Promise<string> }).mk(data);

describe("POST /api/playground", () => {
  it("streams the base model's reply token by token, then done with timings", async () => {
    const r = await ask({ model: MODEL, messages: question, maxTokens: 24, temperature: 0 });
    expect(r.status).toBe(200);
    expect(r.error).toBeUndefined();
    expect(r.messages[0]).toMatchObject({ type: "start", maxTokens: 24 });
    const tokens = r.messages.filter((m) => m.type === "token");
    expect(tokens.length).toBeGreaterThan(1); // streamed in pieces, not one block at the end
    // Where it ran: "auto" is the CPU here, the GPU on a machine with one.
    expect(r.done).toMatchObject({ type: "done", backend: loadNativeAddon().cudaDevices().devices.length ? "cuda" : "cpu" });
    expect(r.done!.tokens).toBeGreaterThan(0);
    expect(r.done!.tokens).toBeLessThanOrEqual(24);
    expect(r.done!.promptTokens).toBeGreaterThan(5);
    expect(r.done!.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect(r.text.length).toBeGreaterThan(0);
  });

  it("with the job's adapter the reply changes: the trained answer instead of the base model's", async () => {
    const base = await ask({ model: MODEL, messages: question, maxTokens: 24, temperature: 0 });
    const tuned = await ask({ model: MODEL, adapterJobId: jobId, messages: question, maxTokens: 24, temperature: 0 });
    expect(tuned.error).toBeUndefined();
    expect(tuned.done!.finishReason).toBe("stop");
    expect(tuned.text).toBe('{"color": "blue"}');
    expect(base.text).not.toBe(tuned.text);
    // Greedy decoding is deterministic: the same request gives the same reply (the cached model is reused).
    expect((await ask({ model: MODEL, adapterJobId: jobId, messages: question, maxTokens: 24, temperature: 0 })).text).toBe(tuned.text);
  });

  it("a client that goes away stops the generation (the worker sees the cancel key)", async () => {
    const body = { model: SLOW_MODEL, messages: [{ role: "user", content: "Tell me everything." }], maxTokens: 600, temperature: 1, seed: 3 };
    const full = await ask(body);
    expect(full.done!.tokens, "precondition: this seed runs long").toBeGreaterThan(200);
    await ask(body, { abortAfterTokens: 2 });
    // The worker takes the next request within a fraction of the full reply's time: it did not finish the
    // abandoned one first.
    const t0 = Date.now();
    const next = await ask({ model: MODEL, messages: question, maxTokens: 4, temperature: 0 });
    expect(next.done!.tokens).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(full.done!.elapsedMs / 2);
  }, 60_000);

  it("offered tools reach the model's chat template (Qwen3's lists them in the prompt)", async () => {
    writeTinyModel({ dir: path.join(modelsDir(), "qwen3-tools"), qwen3: true, seed: 2, shape: { maxPositions: 2048 } });
    const paint = { type: "function", function: { name: "paint", description: "Paint in a color", parameters: { type: "object", properties: { color: { type: "string" } } } } };
    const without = await ask({ model: "qwen3-tools", messages: question, maxTokens: 1 });
    const withTools = await ask({ model: "qwen3-tools", messages: question, maxTokens: 1, tools: [paint] });
    expect([without.error, withTools.error]).toEqual([undefined, undefined]);
    expect(withTools.done!.promptTokens).toBeGreaterThan(without.done!.promptTokens + 30);
    const bad = await ask({ model: "qwen3-tools", messages: question, tools: [{ type: "function", function: { name: "paint it" } }] });
    expect(bad.status).toBe(400);
    expect(bad.error).toMatch(/tools\.0\.function\.name|tools\[0\]\.function\.name/);
  });

  it("a tool result typed after a Mistral reply's raw call plays through Mistral's template, paired with the id the call wrote", async () => {
    const dir = writeTinyModel({ dir: path.join(modelsDir(), "mistral-tools"), seed: 3 }).dir;
    useMistralToolTemplate(dir);
    // The playground's history: the reply as the model wrote it (text), then the result the user typed (no id).
    const reply = '[TOOL_CALLS] [{"name": "paint", "arguments": {"color": "blue"}, "id": "a1B2c3D4e"}]';
    const history = [{ role: "user", content: "Paint the sky" }, { role: "assistant", content: reply }];
    const answered = await ask({ model: "mistral-tools", messages: [...history, { role: "tool", content: '"done"' }], maxTokens: 1 });
    expect(answered.error).toBeUndefined();
    // The result is in the prompt: more tokens than the same history with the user's words instead.
    const asUser = await ask({ model: "mistral-tools", messages: [...history, { role: "user", content: '"done"' }], maxTokens: 1 });
    expect(answered.done!.promptTokens).toBeGreaterThan(asUser.done!.promptTokens + 10);
  });

  it("bad inputs get a 4xx naming what is wrong, before anything is queued", async () => {
    const unknown = await ask({ model: MODEL, adapterJobId: "nosuchjob", messages: question });
    expect([unknown.status, unknown.error]).toEqual([404, "Job nosuchjob not found"]);
    const running = await mkJob({ status: "running", adapterPath: null });
    const notDone = await ask({ model: MODEL, adapterJobId: running, messages: question });
    expect(notDone.status).toBe(409);
    expect(notDone.error).toMatch(/is running; pick a job that has succeeded/);
    const noAdapter = await mkJob({ status: "succeeded", adapterPath: null });
    expect((await ask({ model: MODEL, adapterJobId: noAdapter, messages: question })).error).toMatch(/recorded no adapter folder/);
    for (const model of ["../etc", "/etc", `${MODEL}/../../x`]) {
      const r = await ask({ model, messages: question });
      expect(r.status, model).toBe(400);
      expect(r.error).toMatch(/not a folder directly inside the models directory/);
    }
    const missing = await ask({ model: "no-such-model", messages: question });
    expect([missing.status, missing.error]).toEqual([400, expect.stringMatching(/No model folder "no-such-model"/)]);
    writeTinyModel({ dir: path.join(modelsDir(), "other-model"), preset: "tiny", seed: 2 });
    const mismatch = await ask({ model: "other-model", adapterJobId: jobId, messages: question });
    expect(mismatch.status).toBe(400);
    expect(mismatch.error).toMatch(new RegExp(`was trained on ${MODEL}, not other-model`));
    // No worker consumes `inference` under this prefix: refused at once instead of waiting forever.
    const lonely = createRedis("client");
    try {
      const refused = await playgroundStreamResponse(
        { db, hub: liveHub(), queues: { enqueue: () => Promise.reject(new Error("must not be called")) }, redis: async () => lonely, prefix: `tf-test-noworker-${run}` },
        playgroundRequestSchema.parse({ model: MODEL, messages: question }),
      ).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(HttpError);
      expect(refused).toMatchObject({ status: 503, code: "no_inference_worker", message: expect.stringContaining("npm start -- --only gpu-worker") });
    } finally {
      await lonely.quit();
    }
    const invalid = await ask({ model: MODEL, messages: [], temperature: 5 });
    expect(invalid.status).toBe(400);
    expect(invalid.error).toMatch(/^messages: send at least one message/);
  });

  it("GET lists the models that can chat and the succeeded local jobs with adapters", async () => {
    const res = await choicesRoute(new Request("http://127.0.0.1/api/playground"));
    const c = (await res.json()) as PlaygroundChoices;
    expect(c.models.map((m) => m.name)).toContain(MODEL);
    const job = c.jobs.find((j) => j.id === jobId);
    expect(job).toMatchObject({ baseModel: MODEL, datasetVersion: `playground-${run} v1` });
    expect(job!.label).toContain("colors");
    expect(c.jobs.map((j) => j.id)).not.toContain(jobs.find((id) => id !== jobId));
  });

  it("GET ?job= adds that job when it is older than the 200 listed, so its 'Open in playground' link works", async () => {
    const base = (await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } })).finishedAt!.getTime();
    const newer = Array.from({ length: 200 }, (_, i) => ({ provider: "local" as const, status: "succeeded" as const, baseModel: MODEL, adapterPath: "jobs/x/adapter", suffix: `newer-${run}`, finishedAt: new Date(base + 1000 + i) }));
    await db.fineTuneJob.createMany({ data: newer });
    try {
      const list = async (q: string) => ((await (await choicesRoute(new Request(`http://127.0.0.1/api/playground${q}`))).json()) as PlaygroundChoices).jobs.map((j) => j.id);
      expect(await list("")).not.toContain(jobId);
      const named = await list(`?job=${jobId}`);
      expect(named).toHaveLength(201);
      expect(named.at(-1)).toBe(jobId);
      // A job that cannot chat (no adapter) is not added by naming it.
      const noAdapter = await mkJob({ status: "succeeded", adapterPath: null });
      expect(await list(`?job=${noAdapter}`)).not.toContain(noAdapter);
    } finally {
      await db.fineTuneJob.deleteMany({ where: { suffix: `newer-${run}` } });
    }
  });
});

type ReplyChannel = { redis: ReturnType<typeof createRedis>; prefix: string; requestId: string };

/** A reply's live channel under a prefix of its own: `onMessage` hears each message as the worker publishes it. */
async function onReplyChannel<T>(name: string, onMessage: (m: InferenceMessage, ch: ReplyChannel) => void, body: (ch: ReplyChannel) => Promise<T>): Promise<T> {
  const redis = createRedis("client");
  const sub = createRedis("client");
  const ch: ReplyChannel = { redis, prefix: `tf-test-pg-${name}-${run}`, requestId: `${name}-${run}` };
  try {
    await sub.subscribe(inferenceChannel(ch.prefix, ch.requestId));
    sub.on("message", (_c, raw) => onMessage(parseInferenceMessage(raw)!, ch));
    return await body(ch);
  } finally {
    await deleteKeysUnder(redis, ch.prefix);
    await sub.quit();
    await redis.quit();
  }
}

describe("runPlaygroundGeneration", () => {
  it("stops at the next token when the cancel key is set mid-generation", { timeout: 60_000 }, async () => {
    const received: InferenceMessage[] = [];
    const onMessage = (m: InferenceMessage, { redis, prefix, requestId }: ReplyChannel) => {
      received.push(m);
      if (m.type === "token" && received.filter((x) => x.type === "token").length === 3) void requestCancel(redis, prefix, requestId);
    };
    await onReplyChannel("cancel", onMessage, async ({ redis, prefix, requestId }) => {
      const r = await runPlaygroundGeneration(
        { db, redis, prefix, log: { warn: () => {} }, cancelPollMs: 20 },
        { requestId, model: SLOW_MODEL, messages: [{ role: "user", content: "Tell me everything." }], maxTokens: 600, temperature: 1, topP: 1, seed: 3 },
      );
      await new Promise((res) => setTimeout(res, 100));
      expect(r.outcome).toBe("cancelled");
      const done = received.find((m) => m.type === "done") as Extract<InferenceMessage, { type: "done" }>;
      expect(done.finishReason).toBe("cancelled");
      expect(done.tokens).toBeGreaterThanOrEqual(3);
      expect(done.tokens).toBeLessThan(100);
    });
  });

  it("a reply on the model an evaluation's batch is generating with waits for the batch and says so, instead of failing on the busy model", { timeout: 120_000 }, async () => {
    const received: InferenceMessage[] = [];
    const order: string[] = [];
    const onMessage = (m: InferenceMessage) => {
      received.push(m);
      if (m.type === "token" && !order.includes("reply token")) order.push("reply token");
    };
    await onReplyChannel("wait", onMessage, async ({ redis, prefix, requestId }) => {
      // The eval worker's own path on the same base model, as a local-side evaluation on this worker runs it.
      const evalSide = localGenerator({ model: SLOW_MODEL, modelDir: path.join(modelsDir(), SLOW_MODEL), label: "baseline", batchSize: 2 });
      // 300 tokens each: about a second on the CPU, long enough for the reply to arrive while the batch runs.
      const settings = { temperature: 0, topP: 1, maxTokens: 300, seed: 0 };
      const batch = Promise.all([
        evalSide.generate([{ role: "user", content: "Tell me everything." }], settings),
        evalSide.generate([{ role: "user", content: "And more." }], settings),
      ]).then((g) => (order.push("eval batch done"), g));
      await new Promise((res) => setImmediate(res)); // the batch is scheduled one event-loop turn after the calls
      const reply = runPlaygroundGeneration(
        { db, redis, prefix, log: { warn: () => {} } },
        { requestId, model: SLOW_MODEL, messages: [{ role: "user", content: "Hi" }], maxTokens: 8, temperature: 0, topP: 1, seed: 1 },
      );
      const [generations, r] = await Promise.all([batch, reply]);
      await new Promise((res) => setTimeout(res, 100));
      expect(generations.every((g) => g.completionTokens > 0 && g.text.length > 0)).toBe(true);
      expect(r.outcome).toBe("done");
      expect(received.find((m) => m.type === "error")).toBeUndefined();
      expect(received.some((m) => m.type === "start" && m.note === WAITED_NOTE)).toBe(true);
      expect((received.find((m) => m.type === "done") as Extract<InferenceMessage, { type: "done" }>).tokens).toBeGreaterThan(0);
      expect(order).toEqual(["eval batch done", "reply token"]);
    });
  });

  it("a Stop while the reply waits for an evaluation's batch ends it at once: cancelled, nothing generated", { timeout: 120_000 }, async () => {
    const received: InferenceMessage[] = [];
    const onMessage = (m: InferenceMessage, { redis, prefix, requestId }: ReplyChannel) => {
      received.push(m);
      // The reply says it waits: the user presses Stop.
      if (m.type === "start" && m.note === WAITED_NOTE) void requestCancel(redis, prefix, requestId);
    };
    await onReplyChannel("stopwait", onMessage, async ({ redis, prefix, requestId }) => {
      const evalSide = localGenerator({ model: SLOW_MODEL, modelDir: path.join(modelsDir(), SLOW_MODEL), label: "baseline", batchSize: 1 });
      const batch = evalSide.generate([{ role: "user", content: "Tell me everything." }], { temperature: 0, topP: 1, maxTokens: 400, seed: 0 });
      await new Promise((res) => setImmediate(res));
      const r = await runPlaygroundGeneration(
        { db, redis, prefix, log: { warn: () => {} }, cancelPollMs: 20 },
        { requestId, model: SLOW_MODEL, messages: [{ role: "user", content: "Hi" }], maxTokens: 8, temperature: 0, topP: 1, seed: 1 },
      );
      const stoppedAt = Date.now();
      const generation = await batch;
      const batchDoneAt = Date.now();
      await new Promise((res) => setTimeout(res, 100));
      expect(r.outcome).toBe("cancelled");
      expect(received.find((m) => m.type === "done")).toMatchObject({ finishReason: "cancelled", tokens: 0 });
      expect(received.some((m) => m.type === "token")).toBe(false);
      // It did not wait for the batch to finish.
      expect(batchDoneAt - stoppedAt).toBeGreaterThan(50);
      expect(generation.completionTokens, "the batch ran to its token budget").toBe(400);
    });
  });
});
