import type { ChildProcess } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

// The models directory must be set before lib/env is first read (createEval resolves local models through it).
const modelsRoot = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/tf-eval-models-${process.pid}-${Date.now()}`;
  process.env.TUNEFORGE_MODELS_DIR = dir;
  return dir;
});

import { createPrismaClient } from "../lib/db/client";
import { exampleContentHash } from "../lib/datasets/content-hash";
import { dataDir, env } from "../lib/env";
import { cancelEval } from "../lib/eval/cancel";
import { createEval } from "../lib/eval/create";
import { closeEvalLiveRedis } from "../lib/eval/live";
import { evalChannel } from "../lib/eval/live";
import type { EvalProgress, EvalSummary } from "../lib/eval/types";
import { createRedis } from "../lib/redis";
import { launchLocalJob } from "../lib/jobs/launch/local";
import { createFrozenVersion, deleteFrozenVersions, type LocalVersionFixture } from "../lib/jobs/local/test-support";
import { closeQueues } from "../lib/queue/queues";
import { writeTinyModel } from "../lib/testing/tiny-model";
import { colorTask, toJsonl } from "../lib/testing/tiny-model/task";
import { spawnWorker, waitFor, type SpawnedWorker } from "../lib/workers/testing";
import { storeTestOpenAIKey } from "../lib/eval/testing";
import { startOpenAIEmulator, type OpenAIEmulator } from "../test/openai-emulator/server";
import { fineTunedModel } from "../test/openai-emulator/test-helpers";

// Evaluation end to end on real parts: createEval writes the run and its samples, real worker processes
// (workers/main.ts --queues eval for remote models, --gpu for local ones) run it against Postgres, Redis and
// the OpenAI emulator through the real SDK. Covers the real signal (a tiny-model adapter trained by a local job
// beats its base on JSON validity and exact match), the judge's swap logic (fair vs position-biased), resume
// after SIGKILL without generating anything twice, provider errors (429 retried, 404 fails the run) and cancel.

const db = createPrismaClient();
const fixtures: LocalVersionFixture[] = [];
const children: ChildProcess[] = [];
let removeKey: () => Promise<void> = async () => undefined;
let emu: OpenAIEmulator;
let ft: string;
const BASE = "gpt-4o-mini-2024-07-18";

// A structured task the emulator's fine-tune learns by heart: reply {"item": …, "color": …}.
const THINGS = ["sky", "grass", "blood", "snow", "coal", "sun", "lemon", "cherry", "ocean", "leaf", "night", "cloud", "banana", "tomato"];
const COLORS = ["blue", "green", "red", "white", "black", "yellow", "yellow", "red", "blue", "green", "black", "white", "yellow", "red"];
const line = (i: number) => ({
  messages: [
    { role: "system", content: "Answer in JSON." },
    { role: "user", content: `Which color is the ${THINGS[i % THINGS.length]} number ${i}?` },
    { role: "assistant", content: JSON.stringify({ item: THINGS[i % THINGS.length], n: i, color: COLORS[i % COLORS.length] }) },
  ],
});
const jsonl = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => JSON.stringify(line(from + k))).join("\n") + "\n";

beforeAll(async () => {
  mkdirSync(modelsRoot, { recursive: true });
  emu = await startOpenAIEmulator({ timing: { fileProcessingMs: 0, validatingMs: 0, queuedMs: 0, stepMs: 1 }, chatLatencyMs: 1 });
  // The emulator's fine-tune knows every line (train and held-out): it answers exactly, its base does not.
  ft = await fineTunedModel(emu, jsonl(0, 80));
  // Saved in Settings, as a user would: createEval refuses openai: specs without a key.
  removeKey = await storeTestOpenAIKey(db, emu.url);
}, 60_000);

afterAll(async () => {
  await removeKey();
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  const versionIds = fixtures.map((f) => f.versionId);
  await db.evalRun.deleteMany({ where: { datasetVersionId: { in: versionIds } } });
  const jobs = await db.fineTuneJob.findMany({ where: { datasetVersionId: { in: versionIds } }, select: { id: true } });
  for (const j of jobs) await rm(path.join(dataDir(), "jobs", j.id), { recursive: true, force: true });
  for (const f of fixtures) await rm(path.join(dataDir(), "datasets", f.datasetId), { recursive: true, force: true });
  await db.example.deleteMany({ where: { datasetId: { in: fixtures.map((f) => f.datasetId) } } });
  await deleteFrozenVersions(db, fixtures);
  await emu.close();
  await closeQueues();
  await closeEvalLiveRedis();
  await db.$disconnect();
  rmSync(modelsRoot, { recursive: true, force: true });
});

// A test that fails midway must not leave its worker consuming the queue: it would take the next test's runs
// (e.g. the SIGKILLed worker's stalled run, while that test still holds a prompt hanging).
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

function startWorker(args: string[]): SpawnedWorker {
  return spawnWorker({
    args,
    track: children,
    env: {
      DATABASE_URL: env().DATABASE_URL,
      REDIS_URL: env().REDIS_URL,
      TUNEFORGE_QUEUE_PREFIX: env().TUNEFORGE_QUEUE_PREFIX,
      TUNEFORGE_DATA_DIR: dataDir(),
      TUNEFORGE_MODELS_DIR: modelsRoot,
      OPENAI_BASE_URL: emu.url,
      OPENAI_API_KEY: "sk-test-eval-worker",
      TUNEFORGE_LOCAL_BACKEND: "cpu",
      TUNEFORGE_LOCAL_THREADS: "1",
      TUNEFORGE_RECONCILE_MS: "60000",
      TUNEFORGE_WORKER_LOCK_MS: "1000",
      TUNEFORGE_WORKER_STALLED_MS: "300",
    },
  });
}

const until = <T>(what: string, w: SpawnedWorker | null, check: () => Promise<T | undefined>, ms = 30_000) =>
  waitFor(check, ms, what).catch((err: Error) => {
    throw new Error(`${err.message}\nworker output:\n${w?.output().slice(-3000) ?? ""}`);
  });
const runRow = (id: string) => db.evalRun.findUniqueOrThrow({ where: { id } });
const finished = (id: string) => async () => {
  const r = await runRow(id);
  return r.status === "queued" || r.status === "running" ? undefined : r;
};
const samplesOf = (id: string) => db.evalSample.findMany({ where: { evalRunId: id }, orderBy: { index: "asc" } });
const control = (p: string, body: unknown) =>
  fetch(emu.url.replace(/\/v1$/, `/_emulator/${p}`), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const counts = async (): Promise<Record<string, number>> => (await (await fetch(emu.url.replace(/\/v1$/, "/_emulator/chat"))).json()).chat.counts;

/** A frozen version with train lines 0..trainN and held-out lines after; its examples carry tags. */
async function remoteVersion(trainN: number, heldOut: number): Promise<LocalVersionFixture> {
  const f = await createFrozenVersion(db, dataDir(), { name: "eval-int", train: jsonl(0, trainN), validation: jsonl(trainN, trainN + heldOut) });
  fixtures.push(f);
  await db.example.createMany({
    data: Array.from({ length: trainN + heldOut }, (_, i) => ({
      datasetId: f.datasetId,
      position: i,
      messages: line(i).messages,
      split: i < trainN ? ("train" as const) : ("validation" as const),
      tags: [i % 2 === 0 ? "even" : "odd"],
      contentHash: exampleContentHash({ messages: line(i).messages }),
    })),
  });
  return f;
}

describe("eval worker", () => {
  it("refuses bad requests at creation, naming the field", async () => {
    const f = await remoteVersion(10, 4);
    const attempt = (body: Record<string, unknown>) => createEval({ datasetVersionId: f.versionId, candidate: `openai:${ft}`, baseline: `openai:${BASE}`, ...body }).catch((e: unknown) => e);
    expect(await attempt({ candidate: "gpt-4o" })).toMatchObject({ status: 400, details: { field: "candidate" } });
    expect(await attempt({ datasetVersionId: "nope" })).toMatchObject({ status: 400, details: { field: "datasetVersionId" } });
    expect(await attempt({ baseline: "job:doesnotexist" })).toMatchObject({ status: 400, message: expect.stringMatching(/^baseline: no fine-tuning job/) });
    expect(await attempt({ baseline: "local:no-such-model" })).toMatchObject({ status: 400, details: { field: "baseline" } });
    expect(await attempt({ jsonSchema: { type: "objectt" } })).toMatchObject({ status: 400, details: { field: "jsonSchema" } });
    expect(await attempt({ concurrency: 0 })).toMatchObject({ status: 400, details: { field: "concurrency" } });
    const running = await db.fineTuneJob.create({ data: { provider: "openai", status: "running", baseModel: BASE, datasetVersionId: f.versionId } });
    expect(await attempt({ candidate: `job:${running.id}` })).toMatchObject({ status: 400, message: expect.stringContaining("only a job that has succeeded") });
  });

  it("with a fair judge the fine-tune wins both orders; a position-biased judge is inconsistent everywhere", async () => {
    const f = await remoteVersion(30, 12);
    const w = startWorker(["--queues", "eval"]);
    // Live progress: what an open run page hears on the run's channel.
    const sub = createRedis("client");
    const heard: { channel: string; message: EvalProgress & { type: string } }[] = [];
    sub.on("pmessage", (_p, channel, raw) => heard.push({ channel, message: JSON.parse(raw) }));
    await sub.psubscribe(evalChannel(env().TUNEFORGE_QUEUE_PREFIX, "*"));
    const fair = await createEval({
      datasetVersionId: f.versionId,
      candidate: `openai:${ft}`,
      baseline: `openai:${BASE}`,
      judge: "openai:gpt-4.1-mini-2025-04-14",
      jsonSchema: { type: "object", required: ["color"] },
      concurrency: 4,
    });
    expect(fair.runIds).toHaveLength(1);
    const done = await until("the fair-judged run to finish", w, finished(fair.runIds[0]!));
    expect(done.status, done.errorMessage ?? "").toBe("succeeded");
    const samples = await samplesOf(done.id);
    expect(samples).toHaveLength(12);
    expect(samples.every((s) => s.verdict === "candidate")).toBe(true);
    expect(samples[0]!.tags).toEqual([(30 % 2 === 0 ? "even" : "odd")]);
    expect(samples[0]!.judgeForward).toMatchObject({ winner: "A" });
    expect(samples[0]!.judgeSwapped).toMatchObject({ winner: "B" });
    expect(samples[0]!.judgePointwise).toMatchObject({ candidate: { score: 10 }, baseline: { score: expect.any(Number) } });
    const summary = done.summary as unknown as EvalSummary;
    expect(summary.n).toBe(12);
    expect(summary.verdicts).toMatchObject({ candidate: 12, baseline: 0, inconsistent: 0 });
    expect(summary.winRate!.candidate).toBe(1);
    expect(summary.winRate!.ci[0]).toBeGreaterThan(0.7);
    expect(summary.metrics.exactMatch).toMatchObject({ candidate: 1, baseline: 0 });
    expect(summary.metrics.schemaValid).toMatchObject({ candidate: 1, baseline: 0 });
    expect(summary.tags.map((t) => t.tag).sort()).toEqual(["even", "odd"]);
    // The row turns succeeded just before the final message is published: wait for that message to arrive.
    const channel = evalChannel(env().TUNEFORGE_QUEUE_PREFIX, done.id);
    const last = await until("the final progress message", w, async () => {
      const m = heard.filter((h) => h.channel === channel).at(-1);
      return m?.message.status === "succeeded" ? m : undefined;
    }, 5_000);
    expect(last.message).toEqual({ type: "progress", generated: { baseline: 12, candidate: 12 }, judged: 12, total: 12, status: "succeeded" });
    await sub.quit();

    // A reasoning judge (an endpoint returning reasoning_content, as vLLM does) whose thinking drafts another verdict:
    // the verdict read is its answer's.
    const draft = 'Draft: {"winner": "B", "rationale": "draft"}. On reflection, A.';
    await control("chat", { rules: [{ model: "judge-biased", reply: '{"winner": "A", "rationale": "The first response is better."}', reasoning: draft }] });
    const biased = await createEval({ datasetVersionId: f.versionId, candidate: `openai:${ft}`, baseline: `openai:${BASE}`, judge: "openai:judge-biased", concurrency: 4 });
    const b = await until("the biased-judged run to finish", w, finished(biased.runIds[0]!));
    expect(b.status, b.errorMessage ?? "").toBe("succeeded");
    const biasedSamples = await samplesOf(b.id);
    expect(biasedSamples.map((s) => s.verdict)).toEqual(Array(12).fill("inconsistent"));
    expect(biasedSamples[0]!.judgeForward).toMatchObject({ winner: "A", rationale: "The first response is better." });
    expect(biasedSamples[0]!.judgeSwapped).toMatchObject({ winner: "A" });
    // This judge cannot score (it answers every prompt with a verdict): the verdict stands, the scoring problem is kept.
    expect(biasedSamples[0]!.judgeError).toMatch(/^Pointwise score: could not read/);
    expect((b.summary as unknown as EvalSummary).verdicts).toMatchObject({ candidate: 0, baseline: 0, inconsistent: 12 });
    await control("chat/reset", {});
    await w.kill("SIGTERM");
  }, 60_000);

  it("resumes after SIGKILL mid-run and generates each sample exactly once per side", async () => {
    const f = await remoteVersion(20, 16);
    await control("chat", { resetCounts: true, latencyMs: 1 });
    // The 7th held-out prompt hangs: the worker finishes every other sample and is killed while it waits on that
    // one, whose answers no client has received yet — so nothing answered is lost with the process.
    const held = line(20 + 6).messages[1]!.content;
    await control("chat", { rules: [{ contains: held, delayMs: 60_000 }] });
    const { runIds } = await createEval({ datasetVersionId: f.versionId, candidate: `openai:${ft}`, baseline: `openai:${BASE}`, judge: "openai:gpt-4.1-mini-2025-04-14", concurrency: 2 });
    const id = runIds[0]!;
    let w = startWorker(["--queues", "eval"]);
    await until("all samples but the held one judged", w, async () => ((await db.evalSample.count({ where: { evalRunId: id, verdict: { not: null } } })) >= 15 ? true : undefined));
    await w.kill("SIGKILL");
    expect((await runRow(id)).status).toBe("running");
    const pending = await db.evalSample.findMany({ where: { evalRunId: id, candidateOutput: null }, select: { index: true } });
    expect(pending).toEqual([{ index: 6 }]);

    await control("chat", { rules: [] });
    w = startWorker(["--queues", "eval"]);
    const done = await until("the resumed run to finish", w, finished(id), 40_000);
    expect(done.status, done.errorMessage ?? "").toBe("succeeded");
    const samples = await samplesOf(id);
    expect(samples.every((s) => s.candidateOutput !== null && s.baselineOutput !== null && s.verdict === "candidate")).toBe(true);
    // Exactly once per side (and four judge calls per sample: both orders + two pointwise scores).
    expect(await counts()).toEqual({ [ft]: 16, [BASE]: 16, "gpt-4.1-mini-2025-04-14": 64 });
    await w.kill("SIGTERM");
  }, 90_000);

  it("retries a 429 with retry-after, fails a run whose model does not exist with the provider's message, and cancels", async () => {
    const f = await remoteVersion(10, 6);
    const w = startWorker(["--queues", "eval"]);

    emu.faults.retryAfterSeconds = 0;
    emu.faults.rateLimitNext = 3;
    const before = emu.requests.length;
    const retried = await createEval({ datasetVersionId: f.versionId, candidate: `openai:${ft}`, baseline: `openai:${BASE}`, concurrency: 2 });
    const r = await until("the rate-limited run to finish", w, finished(retried.runIds[0]!));
    expect(r.status, r.errorMessage ?? "").toBe("succeeded");
    const chats = emu.requests.slice(before).filter((q) => q.path === "/v1/chat/completions");
    expect(chats.filter((q) => q.status === 429)).toHaveLength(3);
    expect(chats.filter((q) => q.status === 429 && q.retryCount === 0).length).toBeGreaterThan(0);
    expect(chats.some((q) => q.status === 200 && q.retryCount > 0)).toBe(true);
    expect((await samplesOf(r.id)).every((s) => s.baselineError === null && s.candidateError === null)).toBe(true);

    const missing = await createEval({ datasetVersionId: f.versionId, candidate: `openai:ft:${BASE}:nobody::gone`, baseline: `openai:${BASE}`, concurrency: 2 });
    const m = await until("the missing-model run to fail", w, finished(missing.runIds[0]!));
    expect(m.status).toBe("failed");
    expect(m.errorMessage).toMatch(/^Every candidate generation failed; the first error: 404 The model `ft:.*gone` does not exist/);
    expect((await samplesOf(m.id)).every((s) => s.candidateError?.startsWith("404 ") && s.baselineOutput !== null)).toBe(true);

    await control("chat", { rules: [{ delayMs: 150 }] });
    const slow = await createEval({ datasetVersionId: f.versionId, candidate: `openai:${ft}`, baseline: `openai:${BASE}`, concurrency: 1 });
    const sid = slow.runIds[0]!;
    await until("a first sample", w, async () => ((await db.evalSample.count({ where: { evalRunId: sid, candidateOutput: { not: null } } })) >= 1 ? true : undefined));
    await cancelEval(sid);
    expect((await runRow(sid)).status).toBe("cancelled");
    await expect(cancelEval(r.id)).rejects.toMatchObject({ status: 409 });
    await new Promise((res) => setTimeout(res, 1_000));
    const kept = await db.evalSample.count({ where: { evalRunId: sid, candidateOutput: { not: null } } });
    expect(kept).toBeLessThan(6);
    await new Promise((res) => setTimeout(res, 500));
    // Stopped: nothing more is generated after the cancel was noticed.
    expect(await db.evalSample.count({ where: { evalRunId: sid, candidateOutput: { not: null } } })).toBe(kept);
    expect((await runRow(sid)).status).toBe("cancelled");
    await control("chat/reset", {});
    await w.kill("SIGTERM");
  }, 60_000);

  it("a tiny-model adapter trained by a local job beats its base on JSON validity and exact match (held-out)", async () => {
    writeTinyModel({ dir: path.join(modelsRoot, "tiny-chat"), preset: "tiny", seed: 21 });
    const f = await createFrozenVersion(db, dataDir(), { name: "eval-color", train: toJsonl(colorTask(16)), validation: toJsonl(colorTask(6, 3)) });
    fixtures.push(f);
    const job = await launchLocalJob({
      provider: "local",
      datasetVersionId: f.versionId,
      baseModel: "tiny-chat",
      // The settings under which the tiny model learns the task exactly (lib/artifacts/testing.ts trains the same way).
      config: {
        lora: { rank: 8, alpha: 16, dropout: 0, targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] },
        quantization: { quant: "nf4" },
        training: { backend: "cpu", lr: 1e-2, warmupRatio: 0, epochs: 10, batchSize: 4, gradAccum: 1, seed: 1 },
      },
    });
    const gpu = startWorker(["--gpu"]);
    const trained = await until("the local job to succeed", gpu, async () => {
      const j = await db.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
      if (j.status === "failed") throw new Error(`job failed: ${j.errorMessage}`);
      return j.status === "succeeded" ? j : undefined;
    }, 240_000);
    expect(trained.adapterPath).toBeTruthy();

    const created = await createEval({ datasetVersionId: f.versionId, candidate: `job:${job.id}`, baseline: "local:tiny-chat", concurrency: 6, generation: { maxTokens: 24 } });
    // The color task has six prompts, so held-out lines repeat training prompts: creation says so.
    expect(created.warnings.join(" ")).toMatch(/6 held-out prompts of 6 also appear in the training data of job/);
    const done = await until("the local eval to finish", gpu, finished(created.runIds[0]!), 120_000);
    expect(done.status, done.errorMessage ?? "").toBe("succeeded");
    expect(done.warnings).toEqual(created.warnings);
    const samples = await samplesOf(done.id);
    expect(samples).toHaveLength(6);
    expect(samples.every((s) => s.candidateOutput !== null && s.baselineOutput !== null)).toBe(true);
    const summary = done.summary as unknown as EvalSummary;
    const shown = JSON.stringify(samples.map((s) => ({ expected: s.expected, candidate: s.candidateOutput, baseline: s.baselineOutput })));
    expect(summary.metrics.jsonValid!.candidate, shown).toBeGreaterThan(summary.metrics.jsonValid!.baseline);
    expect(summary.metrics.exactMatch!.candidate, shown).toBeGreaterThan(summary.metrics.exactMatch!.baseline);
    expect(summary.candidate.costUsd).toBe(0);

    // Every kept checkpoint and the final adapter, one run each, in one sweep.
    const checkpoints = await db.checkpoint.findMany({ where: { jobId: job.id }, orderBy: { step: "asc" } });
    expect(checkpoints.length).toBeGreaterThan(0);
    const sweep = await createEval({ datasetVersionId: f.versionId, candidate: `job:${job.id}`, baseline: "local:tiny-chat", concurrency: 2, limit: 2, generation: { maxTokens: 24 }, sweepCheckpoints: true });
    expect(sweep.runIds).toHaveLength(checkpoints.length + 1);
    const runs = await db.evalRun.findMany({ where: { id: { in: sweep.runIds } }, orderBy: { createdAt: "asc" } });
    expect(new Set(runs.map((r) => r.sweepId)).size).toBe(1);
    expect(runs[0]!.sweepId).toBeTruthy();
    expect(runs.map((r) => r.checkpointStep)).toEqual([...checkpoints.map((c) => c.step), null]);
    expect(runs.map((r) => r.candidateSpec)).toEqual([...checkpoints.map((c) => `job:${job.id}@${c.step}`), `job:${job.id}`]);
    for (const id of sweep.runIds) expect((await until(`sweep run ${id}`, gpu, finished(id), 120_000)).status).toBe("succeeded");
    await gpu.kill("SIGTERM");
  }, 420_000);
});
