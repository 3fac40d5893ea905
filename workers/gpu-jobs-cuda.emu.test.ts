import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

// The models directory must be set before lib/env is first read (hoisted above the imports).
const modelsRoot = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/tf-gpu-cuda-models-${process.pid}-${Date.now()}`;
  process.env.TUNEFORGE_MODELS_DIR = dir;
  return dir;
});

import * as mergedRoute from "../app/api/jobs/[id]/artifacts/merged/route";
import * as playgroundRoute from "../app/api/playground/route";
import { serveRoutes, type RouteServer } from "../cli/testing/route-server";
import { createPrismaClient } from "../lib/db/client";
import { dataDir, env } from "../lib/env";
import { closeLiveRedis } from "../lib/jobs/launch/live";
import { createFrozenVersion, type LocalVersionFixture } from "../lib/jobs/local/test-support";
import type { JobView } from "../lib/jobs/types";
import { closeQueues } from "../lib/queue/queues";
import { writeTinyModel } from "../lib/testing/tiny-model";
import { colorPreferences, colorTask, toJsonl } from "../lib/testing/tiny-model/task";
import { loadChatTokenizer, tokenizeChat } from "../lib/tokenizer";
import type { SpawnedWorker } from "../lib/workers/testing";
import { loadNativeAddon, NATIVE_ADDON_ENV } from "../native/index";
import { readSse } from "../lib/jobs/live/sse-parse";
import { closeLiveHub } from "../lib/jobs/live/hub";
import { inferenceChannel, parseInferenceMessage, type InferenceMessage } from "../lib/playground/channel";
import { createRedis } from "../lib/redis";
import { cancelEval } from "../lib/eval/cancel";
import { createEval } from "../lib/eval/create";
import { WAITED_NOTE } from "../lib/playground/generate-run";
import { apiCall, heartbeatOf, heldOutPreferenceGap, JOB_ROUTES, launchTinyJob, removeLocalJobs, startGpuWorker, untilWithOutput } from "./gpu-jobs-testing";

// Where the emulated device's GEMMs run, as its heartbeat carries it (the addon's cudaDevices().gemms).
const EMU_GEMMS = "wmma (the CUDA emulator's cuBLASLt is off; TF_CUDA_EMU_CUBLASLT=1 turns it on)";

// Local fine-tunes on the GPU path, end to end: the real GPU worker process (workers/main.ts --gpu) with the addon
// linked against the CUDA emulator (TUNEFORGE_NATIVE_ADDON), so the job runs on the "cuda" backend — the device
// the worker finds and lists, the device memory report in the job log, checkpoints written from device state, a
// SIGKILLed worker resumed on the device — and a worker whose machine has no usable device.

const db = createPrismaClient();
const fixtures: LocalVersionFixture[] = [];
const children: ChildProcess[] = [];
let server: RouteServer;

beforeAll(async () => {
  mkdirSync(modelsRoot, { recursive: true });
  writeTinyModel({ dir: path.join(modelsRoot, "tiny-chat"), preset: "tiny", seed: 7 });
  server = await serveRoutes([
    ...JOB_ROUTES,
    { pattern: /^\/api\/playground$/, keys: [], module: playgroundRoute },
    { pattern: /^\/api\/jobs\/([^/]+)\/artifacts\/merged$/, keys: ["id"], module: mergedRoute },
  ]);
});
// A failed test must not leave its worker consuming the next test's jobs.
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill("SIGKILL");
      await new Promise((r) => c.once("exit", r));
    }
  }
});
afterAll(async () => {
  await db.evalRun.deleteMany({ where: { datasetVersionId: { in: fixtures.map((f) => f.versionId) } } });
  await removeLocalJobs(db, fixtures);
  await server.close();
  await closeQueues();
  await closeLiveRedis();
  await closeLiveHub();
  await db.$disconnect();
  rmSync(modelsRoot, { recursive: true, force: true });
});

/** A GPU worker on the emulated device; `extra` changes the machine (TF_CUDA_EMU_DEVICES=0: no device). */
const startWorker = (extra: Record<string, string> = {}): SpawnedWorker =>
  startGpuWorker({ modelsDir: modelsRoot, track: children, env: { [NATIVE_ADDON_ENV]: process.env[NATIVE_ADDON_ENV], TUNEFORGE_LOCAL_BACKEND: "auto", ...extra } });
const api = <T>(method: string, p: string, body?: unknown) => apiCall<T>(server.url, method, p, body);

const launch = (versionId: string, training: Record<string, unknown>, quantization?: Record<string, unknown>) =>
  launchTinyJob(server.url, versionId, { backend: "auto", ...training }, quantization);

/** One playground reply through the route, every message as the browser reads it. */
async function reply(body: Record<string, unknown>): Promise<InferenceMessage[]> {
  const res = await fetch(`${server.url}/api/playground`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "tiny-chat", messages: [{ role: "user", content: "What color is the sky?" }], temperature: 0, ...body }),
  });
  expect(res.headers.get("content-type"), await res.clone().text().catch(() => "")).toMatch(/^text\/event-stream/);
  const messages: InferenceMessage[] = [];
  for await (const frame of readSse(res.body!)) if ("data" in frame && frame.event === "message") messages.push(parseInferenceMessage(frame.data)!);
  return messages;
}
const ofType = <K extends InferenceMessage["type"]>(messages: InferenceMessage[], type: K) => messages.find((m) => m.type === type) as Extract<InferenceMessage, { type: K }> | undefined;

const row = (id: string) => db.fineTuneJob.findUniqueOrThrow({ where: { id } });
const until = <T>(what: string, w: SpawnedWorker, check: () => Promise<T | undefined>, ms = 60_000) => untilWithOutput(what, w, check, ms);
const statusIs = (id: string, ...status: string[]) => async () => (status.includes((await row(id)).status) ? true : undefined);
/** A job still running (the replies above were placed while it held the device) is cancelled and stops. */
async function cancelRunning(id: string, w: SpawnedWorker): Promise<void> {
  expect((await row(id)).status).toBe("running");
  expect((await api("POST", `/api/jobs/${id}/cancel`)).status).toBe(200);
  await until("the run to stop", w, statusIs(id, "cancelled", "failed", "succeeded"));
  const ended = await row(id);
  expect(ended.status, `${ended.errorMessage}\n${w.output()}`).toBe("cancelled");
}
const trained = (id: string) => async () => ((await db.metricPoint.findFirst({ where: { jobId: id } })) ? true : undefined);
const steps = async (id: string) => (await db.metricPoint.findMany({ where: { jobId: id }, orderBy: { step: "asc" }, select: { step: true } })).map((p) => p.step);
const view = async (id: string) => (await api<{ job: JobView }>("GET", `/api/jobs/${id}`)).body.job;

async function version(train: number, validation: number): Promise<string> {
  const f = await createFrozenVersion(db, dataDir(), { name: "gpu-cuda-emu", train: toJsonl(colorTask(train)), validation: validation ? toJsonl(colorTask(validation, 2)) : undefined });
  fixtures.push(f);
  return f.versionId;
}

describe("gpu worker on the emulated CUDA device", () => {
  it('trains an "auto" job on the device: lists it, logs device memory, writes checkpoints and an adapter that works', async () => {
    const v = await version(16, 4);
    const queued = await launch(v, { epochs: 2, batchSize: 4, gradAccum: 1, evalEvery: 2, checkpointEvery: 2 }, { quant: "nf4", doubleQuant: true });
    const w = startWorker();
    await until("the job to end", w, statusIs(queued.id, "succeeded", "failed"));
    const job = await view(queued.id);
    expect(job.status, `${job.errorMessage}\n${w.output()}`).toBe("succeeded");
    // Its start-up line says where the device's GEMMs run (here our kernels: the emulator's cuBLASLt is off),
    // with no warning about it (the emulator is a test instrument, lib/health/native.ts gemmsHint).
    expect(w.output()).toMatch(/GPU worker on tuneforge CUDA emulator \(CPU; sm_90\) \(cuda backend; GEMMs: the built-in WMMA kernels, not cuBLASLt \(the CUDA emulator's cuBLASLt is off; TF_CUDA_EMU_CUBLASLT=1 turns it on\)\)/);
    expect(w.output()).not.toMatch(/slower than cuBLASLt/);
    expect(job.backend).toBe("cuda");
    // The heartbeat lists the device the jobs run on, with its memory.
    expect((await heartbeatOf(job.workerId!))!.devices).toEqual([{ index: 0, name: "tuneforge CUDA emulator (CPU; sm_90)", memoryMiB: 16384, gemms: EMU_GEMMS }]);
    // The job log has the device's memory report folded into one line, and says which backend trained.
    const events = (await db.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { createdAt: "asc" } })).map((e) => e.message);
    expect(events.filter((m) => m.startsWith("CUDA memory: ")), events.join("\n")).toHaveLength(1);
    expect(events.find((m) => m.startsWith("CUDA memory: "))).toMatch(/^CUDA memory: frozen weights: [\d.]+ KiB, .*, GEMMs: wmma \(the CUDA emulator's cuBLASLt is off; TF_CUDA_EMU_CUBLASLT=1 turns it on\), total held: [\d.]+ MiB, device: [\d.]+ GiB free of 16\.00 GiB$/);
    expect(events.some((m) => /^Training on .*, cuda backend: 16 examples/.test(m))).toBe(true);
    // Where step 2's time went on the device, NF4 dequantization included.
    const profile = events.filter((m) => m.startsWith("Step "));
    expect(profile, events.join("\n")).toHaveLength(1);
    expect(profile[0]).toMatch(/^Step 2 took [\d.]+ ms on the cuda backend: .*nf4 dequant [\d.]+ ms/);
    // 16 examples / batch 4 = 4 steps per epoch, 2 epochs; validation every 2 steps; device memory per step.
    expect(job.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(job.metrics.every((m) => m.trainLoss! > 0 && m.memoryBytes! > 0 && m.gradNorm! > 0)).toBe(true);
    expect(job.metrics.filter((m) => m.validLoss !== null).map((m) => m.step)).toEqual([2, 4, 6, 8]);
    expect(job.metrics.at(-1)!.trainLoss!).toBeLessThan(job.metrics[0]!.trainLoss!);
    expect(job.checkpoints.map((c) => c.step)).toEqual([4, 6, 8]);
    expect(job.checkpoints.every((c) => existsSync(path.join(dataDir(), c.path!, "adapter_model.safetensors")))).toBe(true);
    const card = readFileSync(path.join(job.adapterPath!, "README.md"), "utf8");
    expect(card).toContain("QLoRA trainer on the cuda backend");

    // The adapter trained on the device raises the likelihood of the trained answers on the host as well.
    const model = await loadNativeAddon().loadModel({ modelDir: path.join(modelsRoot, "tiny-chat"), quant: "none", backend: "cpu", threads: 1 });
    try {
      const ex = tokenizeChat(loadChatTokenizer(path.join(modelsRoot, "tiny-chat")), colorTask(1, 3)[0]!);
      const score = (lp: number[]) => lp.reduce((s, x, i) => s + (ex.lossMask[i + 1] ? x : 0), 0);
      expect(score(await model.logprobs(ex.tokens, job.adapterPath!))).toBeGreaterThan(score(await model.logprobs(ex.tokens)) + 1);
    } finally {
      model.close();
    }

    // "Export merged model" on this GPU worker: the merge only reads and writes files, so it runs on the CPU
    // backend and uploads nothing to the device a reply or the next run may need.
    const merge = await api<{ id: string }>("POST", `/api/jobs/${job.id}/artifacts/merged`);
    expect(merge.status, JSON.stringify(merge.body)).toBe(201);
    await until("the merged model", w, async () => ((await db.artifact.findUniqueOrThrow({ where: { id: merge.body.id } })).status === "ready" ? true : undefined));
    expect(w.output()).toMatch(new RegExp(`\\[merge\\] artifact ${merge.body.id}: job ${job.id} merged into \\S+ on the cpu backend`));
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
  });

  it("trains a preference version with DPO on the device: ln 2 at the reference, rewards stored, the preferred answers gaining", async () => {
    const f = await createFrozenVersion(db, dataDir(), { name: "gpu-cuda-emu-dpo", train: toJsonl(colorPreferences(12)), validation: toJsonl(colorPreferences(4, 2)), hasPreference: true });
    fixtures.push(f);
    const queued = await launch(f.versionId, { epochs: 3, batchSize: 4, gradAccum: 1, lr: 5e-3, dpoBeta: 0.5 }, { quant: "nf4", doubleQuant: true });
    expect(queued.method).toBe("dpo");
    const w = startWorker();
    await until("the DPO job to end", w, statusIs(queued.id, "succeeded", "failed"));
    const job = await view(queued.id);
    expect(job.status, `${job.errorMessage}\n${w.output()}`).toBe("succeeded");
    expect(job.backend).toBe("cuda");
    const events = (await db.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { createdAt: "asc" } })).map((e) => e.message);
    expect(events.some((m) => /^Training on .*, cuda backend: 12 preference pairs \(DPO\)/.test(m)), events.join("\n")).toBe(true);
    // The reference is scored on the device by the same passes as step 1's policy (LoRA B = 0): z = 0 exactly.
    const m = job.metrics;
    expect(m.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(m[0]!.trainLoss).toBeCloseTo(Math.log(2), 6);
    expect(m[0]).toMatchObject({ trainAccuracy: 0, rewardMargin: 0 });
    expect(m.every((p) => p.trainAccuracy! >= 0 && p.trainAccuracy! <= 1 && Number.isFinite(p.rewardMargin))).toBe(true);
    expect(m.filter((p) => p.validRewardMargin !== null).map((p) => p.step)).toEqual([3, 6, 9]);
    expect(m.at(-1)!.trainLoss!).toBeLessThan(Math.log(2));
    expect(m.at(-1)!.rewardMargin!).toBeGreaterThan(0);
    expect(events.at(-1)).toMatch(/^Succeeded after 9 steps: DPO train loss [\d.]+ \(reward accuracy \d+ %, margin -?[\d.]+\)/);

    // On held-out pairs, the adapter trained on the device widens ln p(preferred) − ln p(non-preferred) on the host.
    const { base, tuned } = await heldOutPreferenceGap(path.join(modelsRoot, "tiny-chat"), job.adapterPath!);
    expect(tuned).toBeGreaterThan(base);
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
  });

  it("a SIGKILLed worker's job resumes on the device from its last checkpoint, with no gap in the curve", async () => {
    const v = await version(24, 0);
    // 24 examples, batch 1: 24 steps per epoch × 2 = 48 steps; a checkpoint every 4.
    const job = await launch(v, { epochs: 2, batchSize: 1, gradAccum: 1, checkpointEvery: 4 });
    let w = startWorker();
    await until("a checkpoint at step 4 or later", w, async () => ((await db.checkpoint.findFirst({ where: { jobId: job.id, step: { gte: 4 } } })) ? true : undefined));
    w.child.kill("SIGKILL");
    await w.exited;
    expect((await row(job.id)).status).toBe("running");
    expect((await steps(job.id)).at(-1)!).toBeLessThan(48);

    w = startWorker();
    await until("the resumed job to succeed", w, statusIs(job.id, "succeeded"), 90_000);
    expect(await steps(job.id)).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
    const resumed = await db.jobEvent.findFirst({ where: { jobId: job.id, message: { startsWith: "Resumed from step" } } });
    const events = (await db.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { createdAt: "asc" } })).map((e) => e.message);
    expect(resumed?.message, `${events.join("\n")}\n${w.output()}`).toMatch(/^Resumed from step ([48]|12|16|20|24|28|32|36|40|44) \(checkpoint .*\) on .*, cuda backend\. Prepared in [\d.]+ s: model loaded in [\d.]+ s, data tokenized in [\d.]+ s\.$/);
    expect((await view(job.id)).backend).toBe("cuda");
    w.child.kill("SIGTERM");
    await w.exited;
  }, 150_000);

  it("a job too large for the device fails with out_of_memory and what to change, and the worker trains the next one", async () => {
    // 1.2 MB of device memory: the weights and a batch of one fit, a batch of 16 does not, even checkpointed (the
    // job asks for no checkpointing; the device turns it on, and then it is no longer advice).
    const w = startWorker({ TF_CUDA_EMU_MEMORY: "1200000" });
    const v = await version(16, 0);
    const big = await launch(v, { epochs: 1, batchSize: 16, gradAccum: 1 });
    await until("the big job to fail", w, statusIs(big.id, "failed", "succeeded"));
    const failed = await row(big.id);
    expect(failed.status, w.output()).toBe("failed");
    expect(failed.errorCode).toBe("out_of_memory");
    expect(failed.errorMessage).toMatch(/^Out of memory: CUDA out of memory allocating the activation arena .* requested, the device has .* free of 1\.14 MiB\..*already checkpointed.* or a shorter max sequence length\.$/s);
    // The failed run gave its device memory back: the same worker process trains a job that fits.
    const small = await launch(v, { epochs: 1, batchSize: 1, gradAccum: 1 });
    await until("the small job to succeed", w, statusIs(small.id, "succeeded"));
    expect((await view(small.id)).backend).toBe("cuda");
    // It asked for no checkpointing too, but every layer's activations and the step's headroom do not fit 1.14 MiB:
    // it trained checkpointed, and its memory line says so.
    const memoryLine = (await db.jobEvent.findMany({ where: { jobId: small.id, message: { startsWith: "CUDA memory:" } } })).map((e) => e.message);
    expect(memoryLine).toHaveLength(1);
    expect(memoryLine[0]).toMatch(/, checkpointing: turned on \(without it, keeping every layer's activations would not fit\),/);
    w.child.kill("SIGTERM");
    await w.exited;
  });

  it("on a machine with an old GPU 0 and a usable GPU 1, TUNEFORGE_GPU_DEVICE=1 trains on GPU 1, and without it auto says to set it", async () => {
    const machine = { TF_CUDA_EMU_SM: "75,90" };
    const v = await version(8, 0);
    // Unset: the trainer's device 0 is the sm_75 one, too old for the kernels; the worker names the usable one.
    let w = startWorker(machine);
    const onCpu = await launch(v, { epochs: 1, batchSize: 4, gradAccum: 1 });
    await until("the job on the worker without TUNEFORGE_GPU_DEVICE", w, statusIs(onCpu.id, "succeeded"));
    expect((await view(onCpu.id)).backend).toBe("cpu");
    expect(w.output()).toMatch(/\(cpu backend: no usable GPU, device 0 of the visible ones is not usable, only 1: tuneforge CUDA emulator \(CPU; sm_90\); point TUNEFORGE_GPU_DEVICE at one of those\)/);
    w.child.kill("SIGTERM");
    await w.exited;

    // TUNEFORGE_GPU_DEVICE=1 becomes CUDA_VISIBLE_DEVICES=1: the runtime's device 0 is GPU 1, listed by its own index.
    w = startWorker({ ...machine, TUNEFORGE_GPU_DEVICE: "1" });
    const onGpu1 = await launch(v, { epochs: 1, batchSize: 4, gradAccum: 1 });
    await until("the job on GPU 1", w, statusIs(onGpu1.id, "succeeded"));
    const job = await view(onGpu1.id);
    expect(job.backend).toBe("cuda");
    expect((await heartbeatOf(job.workerId!))!.devices).toEqual([{ index: 1, name: "tuneforge CUDA emulator (CPU; sm_90)", memoryMiB: 16384, gemms: EMU_GEMMS }]);
    w.child.kill("SIGTERM");
    await w.exited;
  });

  it("a training job gets the device memory a cached playground model held: the worker releases idle models first", async () => {
    // 2.05 MB of device memory, of which the cached playground model's weights take 271 KB. The worker releases idle
    // models before a job trains, whatever the room: the run's estimate cannot know the room it will find.
    const w = startWorker({ TF_CUDA_EMU_MEMORY: "2050000" });
    await until("the worker to consume the inference queue", w, async () => (/consuming .*inference/.test(w.output()) ? true : undefined));
    const types = (await reply({ maxTokens: 8 })).map((m) => m.type);
    expect(types.at(-1), w.output()).toBe("done"); // the worker generated the reply on the device and keeps the model
    const v = await version(16, 0);
    const job = await launch(v, { epochs: 1, batchSize: 4, gradAccum: 1 });
    await until("the job to end", w, statusIs(job.id, "succeeded", "failed"));
    const ended = await row(job.id);
    expect(ended.status, `${ended.errorMessage}\n${w.output()}`).toBe("succeeded");
    expect(ended.backend).toBe("cuda");
    expect(w.output()).toContain("[gpu-jobs] released 1 cached playground/evaluation model(s) to give the job the device");
    w.child.kill("SIGTERM");
    await w.exited;
  });

  it("while a run trains on a device too small to share, a playground reply runs on the CPU, says why, and the run goes on", async () => {
    // 3 MB of device memory. The run asks for no checkpointing, but a device this small never has the 64 MiB a step
    // keeps free beyond its arena, so the backend checkpoints, and the worker's estimate counts it so: at first (bf16
    // rows of 512 tokens, the tiny model's context, 4 at a time) 9 MB; once it has read its data (examples of 47
    // tokens at most) 1.1 MiB, which with the 5 % margin still leaves no room for a reply beside the run.
    const w = startWorker({ TF_CUDA_EMU_MEMORY: "3000000" });
    const v = await version(16, 0);
    const job = await launch(v, { epochs: 25, batchSize: 4, gradAccum: 1 });
    await until("the run's first step", w, trained(job.id));
    expect(w.output()).toContain(`[gpu-jobs] job ${job.id}'s device memory estimate is now 1.1 MiB (longest example 47 tokens; 8.6 MiB at its maximum sequence length)`);
    const messages = await reply({ maxTokens: 8 });
    expect(ofType(messages, "start")?.note, w.output()).toMatch(
      new RegExp(`^Generated on the CPU: training job ${job.id} is using the GPU \\([\\d.]+ MiB free; this reply needs 0\\.3 MiB and the job keeps 1\\.3 MiB for itself\\)\\.$`),
    );
    expect(ofType(messages, "done")).toMatchObject({ backend: "cpu" });
    await cancelRunning(job.id, w);
    // Freed when the run's handler ends, a moment after the row says cancelled.
    const freed = `[gpu-jobs] released 1 CPU copy(ies) of playground models used while job ${job.id} held the device`;
    await until("the CPU copy to be freed", w, async () => (w.output().includes(freed) ? true : undefined));
    // After the run the device is the replies' again.
    const after = await reply({ maxTokens: 4 });
    expect(ofType(after, "start")).not.toHaveProperty("note");
    expect(ofType(after, "done")).toMatchObject({ backend: "cuda" });
    w.child.kill("SIGTERM");
    await w.exited;
  });

  it("a run waits for the reply generating on the device, then trains; with room beside it, the next reply stays on the device", async () => {
    const w = startWorker();
    await until("the worker to consume the inference queue", w, async () => (/consuming .*inference/.test(w.output()) ? true : undefined));
    const v = await version(16, 0);
    // Greedy, 120 tokens: seconds on the emulator, so the run is asked for while the reply generates. The reply's
    // live channel says when it does (the route relays it to this test only at the end).
    const sub = createRedis("client");
    let generating!: () => void;
    const firstToken = new Promise<void>((resolve) => (generating = resolve));
    sub.on("pmessage", (_pattern, _channel, raw: string) => parseInferenceMessage(raw)?.type === "token" && generating());
    await sub.psubscribe(inferenceChannel(env().TUNEFORGE_QUEUE_PREFIX, "*"));
    const long = reply({ maxTokens: 120 });
    await firstToken;
    await sub.quit();
    const job = await launch(v, { epochs: 25, batchSize: 4, gradAccum: 1 });
    const messages = await long;
    const replyEnded = Date.now();
    expect(ofType(messages, "done"), w.output()).toMatchObject({ backend: "cuda", finishReason: "length" });
    await until("the run's first step", w, trained(job.id));
    expect(w.output()).toContain(`[gpu-jobs] job ${job.id} waits for 1 playground reply(s) generating on the device`);
    expect((await row(job.id)).startedAt!.getTime()).toBeGreaterThanOrEqual(replyEnded - 1000);
    // The tokenized data is far shorter than the maximum sequence length: the run's estimate comes down to it.
    const tightened = w.output().match(new RegExp(`job ${job.id}'s device memory estimate is now (.+) \\(longest example (\\d+) tokens; (.+) at its maximum sequence length\\)`));
    expect(tightened, w.output()).not.toBeNull();
    expect(Number(tightened![2])).toBeGreaterThan(10);
    expect(tightened![1]).not.toBe(tightened![3]);
    // 16 GiB: the run's 12.2 MB estimate leaves plenty, so a reply during the run is generated on the device.
    const during = await reply({ maxTokens: 4 });
    expect(ofType(during, "start")).not.toHaveProperty("note");
    expect(ofType(during, "done")).toMatchObject({ backend: "cuda" });
    await cancelRunning(job.id, w);
    w.child.kill("SIGTERM");
    await w.exited;
  });

  it("an evaluation with a local side holds the device like a run: a reply on a model too big beside it goes to the CPU, one on its own model stays", async () => {
    // 1 MB of device memory: the evaluation's tiny model and its batches fit (about 0.5 MiB stays free), but its
    // estimate (weights, two KV caches, a prompt's forward: 0.6 MiB with the 5 % margin) leaves no room beside it
    // even for a reply's KV cache; the "small" model (38 MiB in bf16) does not fit at all. Without the evaluation as the device's job that reply would try the
    // device and fail for memory; a reply on the evaluation's own model needs no new weights and waits its turn.
    writeTinyModel({ dir: path.join(modelsRoot, "small-chat"), preset: "small", seed: 5 });
    const w = startWorker({ TF_CUDA_EMU_MEMORY: "1000000" });
    await until("the worker to consume the inference queue", w, async () => (/consuming .*inference/.test(w.output()) ? true : undefined));
    const v = await version(4, 16);
    // Two prompts at a time, 150 tokens each: the evaluation generates for a while on the emulator.
    const { runIds } = await createEval({ datasetVersionId: v, candidate: "local:tiny-chat", baseline: "local:tiny-chat", generation: { maxTokens: 150 }, concurrency: 2 }, { db });
    const evalId = runIds[0]!;
    await until("the evaluation to start", w, async () => (w.output().includes(`[eval] run ${evalId}: starting`) ? true : undefined));

    const other = await reply({ model: "small-chat", maxTokens: 4 });
    expect(ofType(other, "start")?.note, w.output()).toMatch(new RegExp(`^Generated on the CPU: evaluation ${evalId} is using the GPU \\(`));
    expect(ofType(other, "done")).toMatchObject({ backend: "cpu" });
    const own = await reply({ maxTokens: 4 });
    expect(ofType(own, "done"), w.output()).toMatchObject({ backend: "cuda" });
    // Every note the reply got (a second start message says it waited for a batch): none moves it to the CPU.
    const notes = own.filter((m) => m.type === "start").map((m) => (m as { note?: string }).note ?? null);
    expect(notes.every((n) => n === null || n === WAITED_NOTE), notes.join(" | ")).toBe(true);
    expect((await db.evalRun.findUniqueOrThrow({ where: { id: evalId } })).status, w.output()).toBe("running");

    await cancelEval(evalId, { db });
    const freed = `[gpu-jobs] released 1 CPU copy(ies) of playground models used while evaluation ${evalId} held the device`;
    await until("the evaluation to let go of the device", w, async () => (w.output().includes(freed) ? true : undefined));
    w.child.kill("SIGTERM");
    await w.exited;
  });

  it('without a usable device, "auto" trains on the CPU and says why, and a job that asks for "cuda" fails saying what to do', async () => {
    const w = startWorker({ TF_CUDA_EMU_DEVICES: "0" });
    const v = await version(8, 0);
    const auto = await launch(v, { epochs: 1, batchSize: 4, gradAccum: 1 });
    await until("the auto job to succeed", w, statusIs(auto.id, "succeeded"));
    expect((await view(auto.id)).backend).toBe("cpu");
    expect(w.output()).toMatch(/GPU worker on CPU \(\d+ cores.*\(cpu backend: no usable GPU, .+\)/);

    const cuda = await launch(v, { epochs: 1, batchSize: 4, gradAccum: 1, backend: "cuda" });
    await until("the cuda job to fail", w, statusIs(cuda.id, "failed"));
    const failed = await row(cuda.id);
    expect(failed.errorCode).toBe("backend_unavailable");
    expect(failed.errorMessage).toMatch(/Launch with backend "cpu" or "auto", or run a GPU worker built with CUDA\.$/);
    w.child.kill("SIGTERM");
    await w.exited;
  });
});
