import type { ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The models directory must be set before lib/env is first read (the route resolves models through it).
// (Hoisted above the imports, so no imports here; the folder is created in beforeAll.)
const modelsRoot = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/tf-gpu-models-${process.pid}-${Date.now()}`;
  process.env.TUNEFORGE_MODELS_DIR = dir;
  return dir;
});

import { writeFile } from "node:fs/promises";
import { Worker as BullWorker } from "bullmq";
import * as datasetsRoute from "../app/api/datasets/route";
import * as importsRoute from "../app/api/datasets/[id]/imports/route";
import * as importRoute from "../app/api/datasets/[id]/imports/[importId]/route";
import * as versionsRoute from "../app/api/datasets/[id]/versions/route";
import { jobsCommand } from "../cli/commands/jobs";
import type { CliContext } from "../cli/command";
import { runDatasetImport } from "../lib/datasets/import/run";
import { createRedis } from "../lib/redis";
import { serveRoutes, type RouteServer } from "../cli/testing/route-server";
import { createPrismaClient } from "../lib/db/client";
import { dataDir, env } from "../lib/env";
import { closeLiveRedis } from "../lib/jobs/launch/live";
import { checkLocalLaunch } from "../lib/jobs/launch/local";
import { createFrozenVersion, type LocalVersionFixture } from "../lib/jobs/local/test-support";
import type { JobView } from "../lib/jobs/types";
import { closeQueues, queues } from "../lib/queue/queues";
import { writeTinyModel } from "../lib/testing/tiny-model";
import { colorPreferences, colorTask, toJsonl } from "../lib/testing/tiny-model/task";
import { loadChatTokenizer, tokenizeChat } from "../lib/tokenizer";
import type { SpawnedWorker } from "../lib/workers/testing";
import { loadNativeAddon } from "../native/index";
import { apiCall, heartbeatOf, heldOutPreferenceGap, JOB_ROUTES, launchTinyJob, removeLocalJobs, startGpuWorker, untilWithOutput } from "./gpu-jobs-testing";

// Local fine-tunes end to end on real parts: POST /api/jobs (provider "local") through the app's own route
// handlers, the real GPU worker process (workers/main.ts --gpu) on the CPU backend with a generated tiny chat
// model, Postgres and Redis. Covers: success with metric points, checkpoints, the adapter (+ card, artifact)
// that loads and changes logprobs; a SIGKILLed worker whose job resumes from its checkpoint with a curve
// without gaps; cancel of a running job (last checkpoint kept) and of a queued one (at once).

const db = createPrismaClient();
const fixtures: LocalVersionFixture[] = [];
const children: ChildProcess[] = [];
let server: RouteServer;

beforeAll(async () => {
  mkdirSync(modelsRoot, { recursive: true });
  writeTinyModel({ dir: path.join(modelsRoot, "tiny-chat"), preset: "tiny", seed: 7 });
  // A Phi-3 with a 256-key window under 512 positions (Phi-3-mini-4k: 2047 under 4096), computed as a window.
  const phi3 = writeTinyModel({ dir: path.join(modelsRoot, "tiny-phi3"), preset: "tiny", seed: 7, phi3: true });
  writeFileSync(path.join(phi3.dir, "config.json"), JSON.stringify({ ...phi3.config, sliding_window: 256 }, null, 2));
  server = await serveRoutes([
    { pattern: /^\/api\/datasets$/, keys: [], module: datasetsRoute },
    { pattern: /^\/api\/datasets\/([^/]+)\/imports$/, keys: ["id"], module: importsRoute },
    { pattern: /^\/api\/datasets\/([^/]+)\/imports\/([^/]+)$/, keys: ["id", "importId"], module: importRoute },
    { pattern: /^\/api\/datasets\/([^/]+)\/versions$/, keys: ["id"], module: versionsRoute },
    ...JOB_ROUTES,
  ]);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  // Datasets `tuneforge jobs create` made (examples, imports and all) go too.
  const cliDatasets = await db.dataset.findMany({ where: { name: { contains: "tf-gpu-cli-" } }, include: { versions: { select: { id: true } } } });
  for (const d of cliDatasets) fixtures.push(...d.versions.map((v) => ({ datasetId: d.id, versionId: v.id })));
  await removeLocalJobs(db, fixtures);
  await server.close();
  await closeQueues();
  await closeLiveRedis();
  await db.$disconnect();
  rmSync(modelsRoot, { recursive: true, force: true });
});

type Worker = SpawnedWorker;

const startWorker = (): Worker => startGpuWorker({ modelsDir: modelsRoot, track: children, env: { TUNEFORGE_LOCAL_BACKEND: "cpu" } });
const api = <T>(method: string, p: string, body?: unknown) => apiCall<T>(server.url, method, p, body);

const launch = (versionId: string, training: Record<string, unknown>): Promise<JobView> => launchTinyJob(server.url, versionId, { backend: "cpu", ...training });

const row = (id: string) => db.fineTuneJob.findUniqueOrThrow({ where: { id } });
const until = <T>(what: string, w: Worker | null, check: () => Promise<T | undefined>, ms = 30_000) => untilWithOutput(what, w, check, ms);
const statusIs = (id: string, status: string) => async () => ((await row(id)).status === status ? true : undefined);
const steps = async (id: string) => (await db.metricPoint.findMany({ where: { jobId: id }, orderBy: { step: "asc" }, select: { step: true } })).map((p) => p.step);

/**
 * A job on a version that takes seconds to tokenize yet trains in two steps: 5,000 examples whose long prompts
 * leave them out at max_seq_len 96, and 8 that train.
 */
async function launchSlowToTokenize(name: string): Promise<JobView> {
  const long = { messages: [{ role: "user", content: `${"Describe the weather again. ".repeat(40)}What color is the sky?` }, { role: "assistant", content: '{"color": "blue"}' }] };
  const f = await createFrozenVersion(db, dataDir(), { name, train: toJsonl([...colorTask(8), ...Array.from({ length: 5000 }, () => long)]) });
  fixtures.push(f);
  return launch(f.versionId, { maxSeqLen: 96, batchSize: 4, gradAccum: 1, epochs: 1 });
}

async function version(train: number, validation: number): Promise<string> {
  const f = await createFrozenVersion(db, dataDir(), { name: "gpu-int", train: toJsonl(colorTask(train)), validation: validation ? toJsonl(colorTask(validation, 2)) : undefined });
  fixtures.push(f);
  return f.versionId;
}

describe("gpu worker: local fine-tuning jobs", () => {
  it("refuses a model outside the models directory and a missing one, naming the field", async () => {
    const v = await version(4, 0);
    for (const baseModel of ["../etc", "/etc", "no-such-model"]) {
      const res = await api<{ error: { code: string; message: string; details: { issues: { field: string }[] } } }>("POST", "/api/jobs", { provider: "local", datasetVersionId: v, baseModel });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues[0]!.field).toBe("baseModel");
    }
  });

  it("refuses LoRA on a part of a Phi-3's fused module (q without k and v) at launch, naming the field; whole groups pass", async () => {
    const v = await version(4, 0);
    const res = await api<{ error: { message: string; details: { issues: { field: string }[] } } }>("POST", "/api/jobs", { provider: "local", datasetVersionId: v, baseModel: "tiny-phi3", config: { lora: { targets: ["q_proj", "o_proj"] } } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues.map((i) => i.field)).toEqual(["config.lora.targets"]);
    expect(res.body.error.message).toBe("tiny-phi3: this model computes q_proj, k_proj, v_proj in one module, qkv_proj, so LoRA adapts all of them or none: pick q_proj, k_proj, v_proj together, or none of them.");
    const whole = await checkLocalLaunch({ provider: "local", datasetVersionId: v, baseModel: "tiny-phi3", config: { lora: { targets: ["q_proj", "k_proj", "v_proj", "gate_proj", "up_proj"] } } });
    expect(whole.estimate.issues).toEqual([]);
    // The window caps nothing: the trainer computes it, so the launch counts with all 512 positions.
    expect(whole.estimate.maxSeqLen).toBe(512);
    expect(whole.estimate.notes).toContain("max sequence length 2048 is above the model's 512 positions; training uses 512.");
    // The same targets on a model without fused projections are fine.
    expect((await checkLocalLaunch({ provider: "local", datasetVersionId: v, baseModel: "tiny-chat", config: { lora: { targets: ["q_proj", "o_proj"] } } })).estimate.issues).toEqual([]);
  });

  it("launches through the API, trains on the worker, stores every step, and the adapter changes logprobs", async () => {
    const v = await version(24, 6);
    const queued = await launch(v, { epochs: 2, batchSize: 4, gradAccum: 1, evalEvery: 3, checkpointEvery: 4 });
    expect(queued.provider).toBe("local");
    expect(queued.status).toBe("queued");
    expect(queued.queuePosition).toBe(1); // no GPU worker yet: first in line
    expect(queued.loraConfig).toMatchObject({ lora: { rank: 8 }, quantization: { quant: "none", doubleQuant: false } });

    const w = startWorker();
    await until("the job to succeed", w, statusIs(queued.id, "succeeded"));
    const job = (await api<{ job: JobView }>("GET", `/api/jobs/${queued.id}`)).body.job;
    expect(job.backend).toBe("cpu");
    expect(job.workerId).toMatch(/-\d+-[0-9a-f]{6}$/);
    expect(job.queuePosition).toBeNull();
    // The job log says once where the memory goes.
    const memory = (await db.jobEvent.findMany({ where: { jobId: queued.id } })).filter((e) => e.message.startsWith("memory (cpu, estimate): "));
    expect(memory).toHaveLength(1);
    expect(memory[0]!.message).toMatch(/frozen weights [\d.]+ MiB, .* total [\d.]+ MiB$/);
    // And once where a step's time goes: the run's second step, by phase, largest first.
    const profile = (await db.jobEvent.findMany({ where: { jobId: queued.id } })).filter((e) => e.message.startsWith("Step "));
    expect(profile.map((e) => e.message)).toHaveLength(1);
    expect(profile[0]!.message).toMatch(/^Step 2 took [\d.]+ ms on the cpu backend: (\w[\w ]* [\d.]+ ms \(\d+ %\), )+other -?[\d.e-]+ ms \(-?\d+ %\)\.$/);
    for (const phase of ["frozen matmul", "lora", "attention", "attention backward", "elementwise", "loss head", "optimizer"]) expect(profile[0]!.message).toContain(` ${phase} `);
    // 24 examples / batch 4 = 6 steps per epoch, 2 epochs: one point per step, validation every 3 steps.
    expect(job.metrics.map((m) => m.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(job.metrics.every((m) => m.trainLoss! > 0 && m.learningRate! > 0 && m.tokensPerSecond! > 0 && m.memoryBytes! > 0 && m.gradNorm! > 0 && m.totalSteps === 12)).toBe(true);
    expect(job.metrics.filter((m) => m.validLoss !== null).map((m) => m.step)).toEqual([3, 6, 9, 12]);
    expect(job.metrics.at(-1)!.epoch).toBeCloseTo(2);
    expect(job.metrics.at(-1)!.trainLoss!).toBeLessThan(job.metrics[0]!.trainLoss!);
    // Every 4 steps and at each epoch end (4, 6, 8, 12); the trainer keeps the newest 3 folders, and rows follow.
    expect(job.checkpoints.map((c) => c.step)).toEqual([6, 8, 12]);
    expect(job.checkpoints.every((c) => existsSync(path.join(dataDir(), c.path!, "adapter_model.safetensors")))).toBe(true);
    expect(job.checkpoints.at(-1)!.metrics).toEqual({ train_loss: job.metrics.at(-1)!.trainLoss, valid_loss: job.metrics.at(-1)!.validLoss });

    // The adapter: absolute path in the view, artifact with the file's sha256, a card naming data and settings.
    expect(path.isAbsolute(job.adapterPath!)).toBe(true);
    expect(job.adapterPath).toBe(path.join(dataDir(), "jobs", job.id, "adapter"));
    const artifact = await db.artifact.findFirstOrThrow({ where: { jobId: job.id, kind: "adapter" } });
    const { createHash } = await import("node:crypto");
    expect(artifact.sha256).toBe(createHash("sha256").update(readFileSync(path.join(job.adapterPath!, "adapter_model.safetensors"))).digest("hex"));
    const card = readFileSync(path.join(job.adapterPath!, "README.md"), "utf8");
    const versionRow = await db.datasetVersion.findUniqueOrThrow({ where: { id: v } });
    expect(card).toContain("base_model: tiny-chat");
    expect(card).toContain(versionRow.sha256);
    expect(card).toMatch(/\| LoRA rank \| 8 \|/);
    expect(card).toContain("final validation loss");

    // The adapter loads and raises the likelihood of the trained answers.
    const model = await loadNativeAddon().loadModel({ modelDir: path.join(modelsRoot, "tiny-chat"), quant: "none", backend: "cpu", threads: 1 });
    try {
      const chat = loadChatTokenizer(path.join(modelsRoot, "tiny-chat"));
      const ex = tokenizeChat(chat, colorTask(1, 3)[0]!);
      const score = (lp: number[]) => lp.reduce((s, x, i) => s + (ex.lossMask[i + 1] ? x : 0), 0);
      const base = score(await model.logprobs(ex.tokens));
      const tuned = score(await model.logprobs(ex.tokens, job.adapterPath!));
      expect(tuned).toBeGreaterThan(base + 1);
    } finally {
      model.close();
    }

    // The heartbeat lists the device this GPU worker trains on (the CPU here).
    const mine = (await heartbeatOf(job.workerId!))!;
    // A GPU worker takes the device queues: training runs and playground generations.
    expect([...mine.queues].sort()).toEqual(["gpu-jobs", "inference"]);
    expect(mine.devices![0]!.name).toMatch(/^CPU \(\d+ cores/);
    expect(mine.devices![0]!.memoryMiB).toBeGreaterThan(0);

    // A model folder whose weights are broken passes the launch checks (config.json is there) and fails on the
    // worker with a message that says what to check.
    const broken = path.join(modelsRoot, "broken-chat");
    cpSync(path.join(modelsRoot, "tiny-chat"), broken, { recursive: true });
    writeFileSync(path.join(broken, "model.safetensors"), "not safetensors");
    const bad = (await api<{ job: JobView }>("POST", "/api/jobs", { provider: "local", datasetVersionId: v, baseModel: "broken-chat", config: { quantization: { quant: "none" }, training: { backend: "cpu" } } })).body.job;
    await until("the broken-model job to fail", w, statusIs(bad.id, "failed"));
    const failed = await row(bad.id);
    expect(failed.errorCode).toBe("model_invalid");
    expect(failed.errorMessage).toMatch(/^Could not load the base model: .*safetensors.*Check that the folder holds config\.json, \*\.safetensors and tokenizer files/s);

    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
  }, 60_000);

  it("trains a preference version with DPO: loss ln 2 at the first step, reward accuracy rising, the preferred answers gaining", async () => {
    const f = await createFrozenVersion(db, dataDir(), { name: "gpu-int-dpo", train: toJsonl(colorPreferences(24)), validation: toJsonl(colorPreferences(6, 2)), hasPreference: true });
    fixtures.push(f);
    // The form's estimate: DPO, counted in pairs with the model's own tokenizer; packing is refused.
    const check = await checkLocalLaunch({ provider: "local", datasetVersionId: f.versionId, baseModel: "tiny-chat", config: { training: { batchSize: 4, gradAccum: 1, epochs: 3 } } });
    expect(check.estimate.issues).toEqual([]);
    expect(check.estimate).toMatchObject({ method: "dpo", examples: 24, validationExamples: 6, totalSteps: 18 });
    expect(check.estimate.trainableTokensPerEpoch).toBeLessThan(check.estimate.tokensPerEpoch / 2); // answers only
    expect(check.estimate.notes.join(" ")).toContain("DPO on preference pairs against tiny-chat as the frozen reference, beta 0.1");
    const packed = await checkLocalLaunch({ provider: "local", datasetVersionId: f.versionId, baseModel: "tiny-chat", config: { training: { packing: true } } });
    expect(packed.estimate.issues.map((i) => i.field)).toEqual(["config.training.packing"]);

    const queued = await launch(f.versionId, { epochs: 6, batchSize: 4, gradAccum: 2, lr: 5e-3, dpoBeta: 0.5 });
    expect(queued.method).toBe("dpo");
    const w = startWorker();
    await until("the DPO job to succeed", w, statusIs(queued.id, "succeeded"));
    const job = (await api<{ job: JobView }>("GET", `/api/jobs/${queued.id}`)).body.job;
    const events = (await db.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { createdAt: "asc" } })).map((e) => e.message);
    expect(events.some((m) => /^Training on .*: 24 preference pairs \(DPO\), \d+ tokens \(\d+ trained on\); 6 validation pairs\. Prepared in /.test(m))).toBe(true);
    expect(events.at(-1)).toMatch(/^Succeeded after 18 steps: DPO train loss [\d.]+ \(reward accuracy \d+ %, margin -?[\d.]+\), validation loss [\d.]+ \(reward accuracy \d+ %, margin -?[\d.]+\)\./);
    // Step 1 is scored before any update: the policy is the reference, so the loss is ln 2 and no pair is won yet.
    const m = job.metrics;
    expect(m.map((p) => p.step)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(m[0]!.trainLoss).toBeCloseTo(Math.log(2), 6);
    expect(m[0]!.trainAccuracy).toBe(0);
    expect(m.every((p) => p.trainAccuracy! >= 0 && p.trainAccuracy! <= 1)).toBe(true);
    expect(m.filter((p) => p.validLoss !== null).map((p) => p.step)).toEqual([3, 6, 9, 12, 15, 18]);
    expect(m.filter((p) => p.validAccuracy !== null).map((p) => p.step)).toEqual([3, 6, 9, 12, 15, 18]);
    expect(m.at(-1)!.trainLoss!).toBeLessThan(0.5);
    expect(m.at(-1)!.trainAccuracy!).toBeGreaterThanOrEqual(0.75);
    expect(m.at(-1)!.validLoss!).toBeLessThan(0.45);
    expect(m.at(-1)!.validAccuracy).toBe(1);
    // The margins (mean chosen − rejected reward) have columns of their own: 0 at the reference, then positive.
    expect(m[0]!.rewardMargin).toBe(0);
    expect(m.every((p) => p.rewardMargin !== null && Number.isFinite(p.rewardMargin))).toBe(true);
    expect(m.filter((p) => p.validRewardMargin !== null).map((p) => p.step)).toEqual([3, 6, 9, 12, 15, 18]);
    expect(m.at(-1)!.rewardMargin!).toBeGreaterThan(0.5);
    expect(m.at(-1)!.validRewardMargin!).toBeGreaterThan(0.5);
    expect(job.checkpoints.at(-1)!.metrics).toMatchObject({
      train_loss: m.at(-1)!.trainLoss,
      train_reward_accuracy: m.at(-1)!.trainAccuracy,
      valid_reward_accuracy: m.at(-1)!.validAccuracy,
      train_reward_margin: m.at(-1)!.rewardMargin,
      valid_reward_margin: m.at(-1)!.validRewardMargin,
    });
    const card = readFileSync(path.join(job.adapterPath!, "README.md"), "utf8");
    expect(card).toContain("| method | DPO, beta 0.5 |");
    expect(card).toContain("24 training and 6 validation preference pairs");

    // On held-out pairs the adapter widens ln p(preferred) - ln p(non-preferred) over the base model's.
    const { base, tuned } = await heldOutPreferenceGap(path.join(modelsRoot, "tiny-chat"), job.adapterPath!);
    expect(tuned).toBeGreaterThan(base + 1);
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
  }, 60_000);

  it("leaves out examples with nothing to learn within max_seq_len: the launch check and the job log name their lines, and training runs on the rest", async () => {
    // Lines 3 and 6 have prompts so long that their replies start past 96 tokens.
    const long = { messages: [{ role: "user", content: `${"Describe the weather again. ".repeat(40)}What color is the sky?` }, { role: "assistant", content: '{"color": "blue"}' }] };
    const lines = colorTask(8);
    lines.splice(2, 0, long);
    lines.splice(5, 0, long);
    const f = await createFrozenVersion(db, dataDir(), { name: "gpu-int-skip", train: toJsonl(lines) });
    fixtures.push(f);
    const check = await checkLocalLaunch({ provider: "local", datasetVersionId: f.versionId, baseModel: "tiny-chat", config: { training: { maxSeqLen: 96, batchSize: 4, gradAccum: 1, epochs: 1 } } });
    expect(check.estimate.issues).toEqual([]);
    expect(check.estimate).toMatchObject({ examples: 8, totalSteps: 2 });
    const left = "2 training examples have no trainable token within 96 tokens and are left out: line 3 (all of its assistant tokens lie beyond max_seq_len 96); line 6 (all of its assistant tokens lie beyond max_seq_len 96). Raise the max sequence length or shorten their prompts to train on them.";
    expect(check.estimate.notes).toContain(left);
    // So short that no reply fits: the launch is refused on the field that fixes it.
    const none = await checkLocalLaunch({ provider: "local", datasetVersionId: f.versionId, baseModel: "tiny-chat", config: { training: { maxSeqLen: 8 } } });
    expect(none.estimate.issues).toEqual([
      expect.objectContaining({ field: "config.training.maxSeqLen", code: "too_few_examples", message: expect.stringMatching(/train: no example has a trainable token within 8 tokens: line 1 \(.*\); line 2 .*; …\. Raise the max sequence length or shorten the prompts\.$/) }),
    ]);

    const queued = await launch(f.versionId, { maxSeqLen: 96, batchSize: 4, gradAccum: 1, epochs: 1 });
    const w = startWorker();
    await until("the job to succeed", w, statusIs(queued.id, "succeeded"));
    const events = await db.jobEvent.findMany({ where: { jobId: queued.id }, orderBy: { createdAt: "asc" } });
    expect(events.find((e) => e.message.startsWith("Training on "))!.message).toMatch(/: 8 examples, /);
    const warning = events.find((e) => e.level === "warning")!;
    expect(warning.message).toBe(left);
    expect(warning.data).toEqual({ skipped: 2, lines: [3, 6] });
    expect((await steps(queued.id)).length).toBe(2);
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
  }, 60_000);

  it("a version that takes seconds to tokenize keeps its job: the worker's event loop is not held past the queue lock", async () => {
    const queued = await launchSlowToTokenize("gpu-int-slow-tokenize");
    // The tests' workers hold a queue lock of 1 s (startGpuWorker); tokenizing this version takes several.
    const w = startWorker();
    // While it tokenizes, the job is still queued but names its worker and says what it prepares.
    const preparing = await until("the worker to take the job", w, async () => {
      const j = (await api<{ job: JobView }>("GET", `/api/jobs/${queued.id}`)).body.job;
      return j.status === "queued" && j.workerId ? j : undefined;
    });
    expect(preparing.queuePosition).toBeNull();
    expect(preparing.events.map((e) => e.message)).toEqual([
      expect.any(String), // the launch summary
      `Preparing on ${preparing.workerId}: loading tiny-chat (unquantized) and tokenizing 5008 training examples.`,
    ]);
    await until("the job to succeed", w, statusIs(queued.id, "succeeded"), 120_000);
    expect(w.output()).not.toMatch(/could not renew lock|Missing lock/);
    const events = await db.jobEvent.findMany({ where: { jobId: queued.id }, orderBy: { createdAt: "asc" } });
    const training = events.filter((e) => e.message.startsWith("Training on "));
    expect(training.map((e) => e.message)).toEqual([expect.stringMatching(/: 8 examples, .* Prepared in [\d.]+ s: model loaded in [\d.]+ s, data tokenized in [\d.]+ s\.$/)]);
    // Where the time before the first step went, for the record.
    const { loadMs, tokenizeMs } = training[0]!.data as { loadMs: number; tokenizeMs: number };
    expect(loadMs).toBeGreaterThanOrEqual(0);
    expect(tokenizeMs).toBeGreaterThan(loadMs); // 5,008 long prompts against a 2-layer model
    // The premise: tokenizing outlasts the 1 s lock (a faster machine needs a larger version here).
    expect(tokenizeMs).toBeGreaterThan(1_000);
    expect(events.filter((e) => e.level === "warning").map((e) => e.data)).toEqual([{ skipped: 5000, lines: Array.from({ length: 20 }, (_, i) => i + 9) }]);
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
  }, 180_000);

  it("a job cancelled while its worker prepares it ends once, trains nothing, and the worker takes the next job", async () => {
    const queued = await launchSlowToTokenize("gpu-int-cancel-preparing");
    const w = startWorker();
    await until("the worker to take the job", w, async () => ((await row(queued.id)).workerId ? true : undefined));
    const cancelled = await api<{ job: JobView }>("POST", `/api/jobs/${queued.id}/cancel`);
    expect(cancelled.body.job.status).toBe("cancelled");
    // The worker stops once its preparation ends: no training, no second cancel, no failure over the top.
    const next = await launch((await version(8, 0)), { epochs: 1, batchSize: 4, gradAccum: 1 });
    await until("the next job to succeed", w, statusIs(next.id, "succeeded"), 60_000);
    const events = (await db.jobEvent.findMany({ where: { jobId: queued.id }, orderBy: { createdAt: "asc" } })).map((e) => e.message);
    expect(events).toEqual([expect.any(String), expect.stringMatching(/^Preparing on /), "Cancelled while queued; it never started."]);
    expect((await row(queued.id)).status).toBe("cancelled");
    expect(await steps(queued.id)).toEqual([]);
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
  }, 120_000);

  it("resumes from the last checkpoint after the worker is SIGKILLed, with no gap in the curve", async () => {
    const v = await version(120, 0);
    // 120 examples, batch 1, 3 micro-batches per step: 40 steps per epoch × 12 = 480 steps; a checkpoint every 40,
    // which are the epoch ends. The 3 the trainer keeps must span the steps the stored curve lags behind when the
    // worker is killed (else the run starts over): on a fast machine the tiny model's steps take about a
    // millisecond, and a lag of 100 steps was seen with single-micro-batch steps (CI, session 11).
    const job = await launch(v, { epochs: 12, batchSize: 1, gradAccum: 3, checkpointEvery: 40 });
    let w = startWorker();
    await until("a checkpoint at step 40 or later", w, async () => ((await db.checkpoint.findFirst({ where: { jobId: job.id, step: { gte: 40 } } })) ? true : undefined));
    w.child.kill("SIGKILL");
    await w.exited;
    const before = await steps(job.id);
    expect((await row(job.id)).status).toBe("running");
    expect(before.at(-1)!).toBeLessThan(480);

    w = startWorker();
    await until("the resumed job to succeed", w, statusIs(job.id, "succeeded"), 45_000);
    expect(await steps(job.id)).toEqual(Array.from({ length: 480 }, (_, i) => i + 1));
    const resumed = await db.jobEvent.findFirst({ where: { jobId: job.id, message: { startsWith: "Resumed from step" } } });
    const events = (await db.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { createdAt: "asc" } })).map((e) => e.message);
    expect(resumed, `${events.join("\n")}\n${w.output()}`).not.toBeNull();
    const from = Number(/Resumed from step (\d+)/.exec(resumed!.message)![1]);
    expect(from).toBeGreaterThanOrEqual(40);
    expect(from % 40).toBe(0);
    w.child.kill("SIGTERM");
    await w.exited;
  }, 90_000);

  it("a killed run whose stored curve lags behind every checkpoint resumes from the newest and restores the missing steps from its log", async () => {
    const v = await version(120, 0);
    const job = await launch(v, { epochs: 12, batchSize: 1, gradAccum: 3, checkpointEvery: 40 }); // 480 steps
    let w = startWorker();
    await until("a checkpoint at step 80 or later", w, async () => ((await db.checkpoint.findFirst({ where: { jobId: job.id, step: { gte: 80 } } })) ? true : undefined));
    w.child.kill("SIGKILL");
    await w.exited;
    expect((await row(job.id)).status).toBe("running");
    // The lag fast steps can leave behind (seen: 100 steps): the killed worker's last points never reached Postgres.
    // Made certain here by dropping the stored curve back to before the oldest checkpoint it left.
    const root = path.join(dataDir(), "jobs", job.id, "checkpoints");
    const onDisk = readdirSync(root).flatMap((n) => (/^step-\d+$/.test(n) ? [Number(n.slice(5))] : [])).sort((a, b) => a - b);
    const newest = onDisk.at(-1)!;
    const lagTo = onDisk[0]! - 5;
    const stored = await db.metricPoint.findMany({ where: { jobId: job.id, step: { gt: lagTo, lte: newest } }, orderBy: { step: "asc" } });
    await db.metricPoint.deleteMany({ where: { jobId: job.id, step: { gt: lagTo } } });
    await db.checkpoint.deleteMany({ where: { jobId: job.id, step: { gt: lagTo } } });

    w = startWorker();
    await until("the resumed job to succeed", w, statusIs(job.id, "succeeded"), 45_000);
    const events = (await db.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { createdAt: "asc" } })).map((e) => e.message);
    // The newest checkpoint, not a start from scratch (its log has every step the curve lacked).
    expect(events.find((m) => m.startsWith("Resumed from step")), events.join("\n")).toMatch(
      new RegExp(`^Resumed from step ${newest} .* Steps ${lagTo + 1}–${newest}, which the earlier run trained but had not stored, were restored from the checkpoint's log\\. Prepared in [\\d.]+ s: .*\\.$`),
    );
    expect(events.some((m) => m.includes("starting over"))).toBe(false);
    const points = await db.metricPoint.findMany({ where: { jobId: job.id }, orderBy: { step: "asc" } });
    expect(points.map((p) => p.step)).toEqual(Array.from({ length: 480 }, (_, i) => i + 1));
    // The restored points are the killed run's own figures (the trainer's log, not a rerun).
    expect(stored.length).toBeGreaterThan(0);
    for (const p of stored) {
      const q = points[p.step - 1]!;
      expect([q.trainLoss, q.learningRate, q.gradNorm, q.totalSteps, q.memoryBytes], `step ${p.step}`).toEqual([p.trainLoss, p.learningRate, p.gradNorm, p.totalSteps, p.memoryBytes]);
      expect(q.epoch).toBeCloseTo(p.epoch!, 12);
    }
    // The run went on from there: its newest three checkpoints are listed (restored rows: sink.int.test.ts).
    const listed = (await db.checkpoint.findMany({ where: { jobId: job.id }, orderBy: { step: "asc" } })).map((c) => c.step);
    expect(listed).toEqual([400, 440, 480]);
    w.child.kill("SIGTERM");
    await w.exited;
  }, 90_000);

  it("a worker stopped with SIGTERM stops at the next step, hands the job back, and the next one resumes exactly there", async () => {
    const v = await version(60, 0);
    const job = await launch(v, { epochs: 6, batchSize: 2, gradAccum: 1, checkpointEvery: 10 });
    let w = startWorker();
    await until("a checkpoint", w, async () => ((await db.checkpoint.count({ where: { jobId: job.id } })) > 0 ? true : undefined));
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
    const handBack = await db.jobEvent.findFirst({ where: { jobId: job.id, message: { contains: "handed the job back" } } });
    expect(handBack, w.output()).not.toBeNull();
    const stoppedAt = Number(/stopped at step (\d+)/.exec(handBack!.message)![1]);
    expect(stoppedAt).toBeLessThan(180);
    expect(await (await queues().get("gpu-jobs").getJob(`finetune-${job.id}`))!.getState()).toBe("waiting");
    expect((await row(job.id)).status).toBe("running");

    w = startWorker();
    await until("the job to succeed after the hand-back", w, statusIs(job.id, "succeeded"));
    expect(await db.jobEvent.findFirst({ where: { jobId: job.id, message: { startsWith: `Resumed from step ${stoppedAt} ` } } }), w.output()).not.toBeNull();
    expect(await steps(job.id)).toEqual(Array.from({ length: 180 }, (_, i) => i + 1));
    w.child.kill("SIGTERM");
    await w.exited;
  }, 60_000);

  it("`tuneforge jobs create --provider local --wait --json` imports, trains and prints adapterPath and metrics", async () => {
    const bull = createRedis("bullmq");
    const importWorker = new BullWorker("datasets", async (job) => (job.name === "datasets.import" ? runDatasetImport({ db, importId: job.data.importId }) : null), {
      connection: bull,
      prefix: env().TUNEFORGE_QUEUE_PREFIX,
    });
    const w = startWorker();
    try {
      const file = path.join(modelsRoot, "..", `tf-gpu-cli-${process.pid}.jsonl`);
      await writeFile(file, toJsonl(colorTask(12)));
      let stdout = "";
      let stderr = "";
      const ctx: CliContext = { root: process.cwd(), out: (t) => (stdout += t), err: (t) => (stderr += t) };
      const args = ["create", "--provider", "local", "--model", "tiny-chat", "--data", file, "--quant", "none", "--rank", "4", "--epochs", "1", "--batch-size", "4", "--grad-accum", "1", "--backend", "cpu", "--wait", "--interval", "0.2", "--json", "--url", server.url];
      const code = await jobsCommand.run(args, ctx);
      rmSync(file, { force: true });
      expect(code, `${stderr}\n${w.output()}`).toBe(0);
      const job = JSON.parse(stdout) as JobView;
      expect(job).toMatchObject({ provider: "local", status: "succeeded", baseModel: "tiny-chat", backend: "cpu" });
      expect(job.adapterPath).toBe(path.join(dataDir(), "jobs", job.id, "adapter"));
      expect(existsSync(path.join(job.adapterPath!, "adapter_model.safetensors"))).toBe(true);
      expect(job.metrics.map((m) => m.step)).toEqual([1, 2, 3]);
      expect(job.loraConfig).toMatchObject({ lora: { rank: 4 } });
      expect(stderr).toMatch(/launched job \S+/);
    } finally {
      await importWorker.close();
      await bull.quit();
      w.child.kill("SIGTERM");
      await w.exited;
    }
  }, 60_000);

  it("cancels a running job at the next step keeping its last checkpoint, and a queued one at once", async () => {
    const v = await version(60, 0);
    const running = await launch(v, { epochs: 20, batchSize: 1, gradAccum: 1, checkpointEvery: 5 });
    const waiting = await launch(v, { epochs: 1, batchSize: 1, gradAccum: 1 });
    const w = startWorker();
    await until("a checkpoint", w, async () => ((await db.checkpoint.count({ where: { jobId: running.id } })) > 0 ? true : undefined));
    // Concurrency 1: the second job waits its turn, first in line.
    const second = (await api<{ job: JobView }>("GET", `/api/jobs/${waiting.id}`)).body.job;
    expect(second.status).toBe("queued");
    expect(second.queuePosition).toBe(1);
    const cancelledQueued = await api<{ job: JobView }>("POST", `/api/jobs/${waiting.id}/cancel`);
    expect(cancelledQueued.body.job.status).toBe("cancelled");
    expect(await queues().get("gpu-jobs").getJob(`finetune-${waiting.id}`)).toBeUndefined();

    const asked = await api<{ job: JobView }>("POST", `/api/jobs/${running.id}/cancel`);
    expect(asked.body.job.status).toBe("cancelling");
    await until("the running job to be cancelled", w, statusIs(running.id, "cancelled"), 15_000);
    const done = (await api<{ job: JobView }>("GET", `/api/jobs/${running.id}`)).body.job;
    expect(done.metrics.at(-1)!.step).toBeLessThan(1200);
    // The kept checkpoint is the newest one, on disk, and a loadable adapter.
    const newest = done.checkpoints.at(-1)!;
    expect(done.adapterPath).toBe(path.join(dataDir(), newest.path!));
    expect(existsSync(path.join(done.adapterPath!, "adapter_model.safetensors"))).toBe(true);
    expect(newest.step).toBeGreaterThanOrEqual(done.metrics.at(-1)!.step - 1);
    expect(done.events.some((e) => e.message.startsWith("Cancelled; the last checkpoint is kept"))).toBe(true);
    w.child.kill("SIGTERM");
    await w.exited;
  }, 60_000);
});
