import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The models directory is read once per process (lib/env.ts): point it at this file's own before anything reads it.
vi.hoisted(() => {
  process.env.TUNEFORGE_MODELS_DIR = `${process.env.TUNEFORGE_DATA_DIR}/models-artifacts-int`;
});

import { GET as listRoute } from "../../app/api/jobs/[id]/artifacts/route";
import { GET as adapterRoute } from "../../app/api/jobs/[id]/artifacts/adapter/route";
import { GET as checkpointRoute } from "../../app/api/jobs/[id]/artifacts/checkpoints/[step]/route";
import { POST as mergeRoute } from "../../app/api/jobs/[id]/artifacts/merged/route";
import { GET as artifactRoute } from "../../app/api/artifacts/[id]/route";
import { GET as artifactDownloadRoute } from "../../app/api/artifacts/[id]/download/route";
import { loadNativeAddon } from "../../native/index";
import { prisma } from "../db/client";
import { dataDir, env, modelsDir } from "../env";
import { closeQueues } from "../queue/queues";
import { createRedis } from "../redis";
import { writeTinyModel } from "../testing/tiny-model";
import { loadChatTokenizer } from "../tokenizer";
import { runModelMerge } from "./merge-run";
import { trainTinyAdapter } from "./testing";
import type { JobArtifactsView, MergedExportView } from "./view";

// Artifacts end to end on real parts: an adapter trained here with the native addon on a generated tiny
// model, a succeeded local job row pointing at it, the real route handlers, the system `tar` to unpack what
// they stream, the real gpu-jobs queue, and the merge handler producing a model the addon loads.

const db = prisma();
const run = randomBytes(4).toString("hex");
const MODEL = "tiny-artifacts";
const relJobDir = `int-artifacts/${run}`;
let absJobDir = "";
let jobId = "";
let versionId = "";
let datasetId = "";
let checkpointSteps: number[] = [];
const extraJobs: string[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "artifacts-int-"));

const ctx = (params: Record<string, string>) => ({ params: Promise.resolve(params) });
const get = (url: string) => new Request(`http://127.0.0.1${url}`);
const post = (url: string) => new Request(`http://127.0.0.1${url}`, { method: "POST" });
const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

async function json<T>(res: Response, status = 200): Promise<T> {
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

/** Saves a download, unpacks it with the system tar, and returns the folder it unpacked into. */
async function unpack(res: Response, name: string): Promise<{ dir: string; listing: string[] }> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/gzip");
  const filename = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1];
  expect(filename).toMatch(/\.tar\.gz$/);
  const file = path.join(tmp, `${name}.tar.gz`);
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const into = path.join(tmp, name);
  fs.mkdirSync(into);
  execFileSync("tar", ["-xzf", file, "-C", into]);
  const listing = execFileSync("tar", ["-tzf", file], { encoding: "utf8" }).trim().split("\n");
  return { dir: path.join(into, filename!.replace(/\.tar\.gz$/, "")), listing };
}

function expectSameFiles(original: string, unpacked: string, opts: { without?: string } = {}): void {
  const walk = (d: string, sub = ""): string[] =>
    fs.readdirSync(path.join(d, sub), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(d, path.join(sub, e.name)) : [path.join(sub, e.name)]));
  const files = walk(original).filter((f) => !opts.without || !f.startsWith(`${opts.without}/`)).sort();
  expect(files.length).toBeGreaterThan(0);
  expect(walk(unpacked).sort()).toEqual(files);
  for (const f of files) expect(fs.readFileSync(path.join(unpacked, f)).equals(fs.readFileSync(path.join(original, f))), f).toBe(true);
}

async function localJob(data: { status: "succeeded" | "running"; adapterPath?: string | null; provider?: "local" | "openai" }): Promise<string> {
  const j = await db.fineTuneJob.create({
    data: { provider: data.provider ?? "local", status: data.status, baseModel: MODEL, datasetVersionId: versionId, adapterPath: data.adapterPath ?? null },
  });
  extraJobs.push(j.id);
  return j.id;
}

beforeAll(async () => {
  loadNativeAddon();
  writeTinyModel({ dir: path.join(modelsDir(), MODEL), preset: "tiny", seed: 11 });
  absJobDir = path.join(dataDir(), relJobDir);
  // Four steps per epoch, a checkpoint every 3 steps (and at the end): several checkpoint folders.
  const result = await trainTinyAdapter({ modelDir: path.join(modelsDir(), MODEL), outDir: path.join(absJobDir, "adapter"), epochs: 2, checkpointEvery: 3 });
  expect(result.cancelled).toBe(false);

  const ds = await db.dataset.create({ data: { name: `artifacts-${run}` } });
  datasetId = ds.id;
  versionId = (await db.datasetVersion.create({
    data: { datasetId, number: 1, trainPath: "t.jsonl", sha256: "0".repeat(64), exampleCount: 16, trainCount: 16, validationCount: 0, tokenCount: 1 },
  })).id;
  jobId = await localJob({ status: "succeeded", adapterPath: `${relJobDir}/adapter` });
  const checkpointDirs = fs.readdirSync(path.join(absJobDir, "adapter", "checkpoints")).sort();
  expect(checkpointDirs.length).toBeGreaterThan(0);
  for (const d of checkpointDirs) {
    const step = Number(d.replace("step-", ""));
    checkpointSteps.push(step);
    await db.checkpoint.create({ data: { jobId, step, path: `${relJobDir}/adapter/checkpoints/${d}`, metrics: { train_loss: 1.5 } } });
  }
}, 120_000);

afterAll(async () => {
  await db.fineTuneJob.deleteMany({ where: { id: { in: extraJobs } } });
  await db.datasetVersion.deleteMany({ where: { datasetId } });
  await db.dataset.deleteMany({ where: { id: datasetId } });
  await closeQueues();
  fs.rmSync(absJobDir, { recursive: true, force: true });
  fs.rmSync(path.join(dataDir(), "exports", jobId), { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(modelsDir(), { recursive: true, force: true }); // this file's own models directory
});

/**
 * The gpu-jobs/model.merge job a merge request queued, removed from the queue: these tests run the merge themselves,
 * and a job left waiting on the real gpu-jobs queue would stand ahead of other test files' jobs there
 * (workers/gpu-jobs.int.test.ts counts a launch's place in that queue).
 */
async function takeQueuedMerge(artifactId: string): Promise<{ name: string; data: unknown } | undefined> {
  const redis = createRedis("client");
  const queue = new Queue("gpu-jobs", { connection: redis, prefix: env().TUNEFORGE_QUEUE_PREFIX });
  try {
    const queued = await queue.getJob(`merge-${artifactId}`);
    await queued?.remove();
    return queued ? { name: queued.name, data: queued.data } : undefined;
  } finally {
    await queue.close();
    await redis.quit();
  }
}

describe("a local job's artifacts", () => {
  it("lists the adapter with its size and sha256, the checkpoints, and the playground link", async () => {
    const view = await json<JobArtifactsView>(await listRoute(get(`/api/jobs/${jobId}/artifacts`), ctx({ id: jobId })));
    const dir = path.join(absJobDir, "adapter");
    const topFiles = ["adapter_config.json", "adapter_model.safetensors"];
    for (const f of topFiles) expect(view.adapter!.files.map((x) => x.name)).toContain(f);
    expect(view.adapter!.sha256).toBe(sha256(path.join(dir, "adapter_model.safetensors")));
    expect(view.adapter!.files.some((f) => f.name.startsWith("checkpoints/"))).toBe(false);
    const onDisk = view.adapter!.files.reduce((s, f) => s + fs.statSync(path.join(dir, f.name)).size, 0);
    expect(view.adapter!.sizeBytes).toBe(onDisk);
    expect(view.adapter!.downloadUrl).toBe(`/api/jobs/${jobId}/artifacts/adapter`);
    expect(view.checkpoints.map((c) => c.step)).toEqual([...checkpointSteps].sort((a, b) => a - b));
    expect(view.checkpoints[0]!.sizeBytes).toBeGreaterThan(0);
    expect(view.playgroundUrl).toBe(`/playground?job=${jobId}`);
    expect(view.merged).toEqual([]);
  });

  it("downloads the adapter as a .tar.gz that tar unpacks to the same files, byte for byte", async () => {
    const { dir, listing } = await unpack(await adapterRoute(get(`/api/jobs/${jobId}/artifacts/adapter`), ctx({ id: jobId })), "adapter");
    expect(listing.every((l) => l.startsWith(`${path.basename(dir)}/`))).toBe(true);
    // The checkpoints the trainer keeps inside the adapter folder are downloaded one by one, not with it.
    expectSameFiles(path.join(absJobDir, "adapter"), dir, { without: "checkpoints" });
    expect(fs.existsSync(path.join(dir, "checkpoints"))).toBe(false);
  });

  it("downloads one checkpoint folder the same way", async () => {
    const step = checkpointSteps[0]!;
    const res = await checkpointRoute(get(`/api/jobs/${jobId}/artifacts/checkpoints/${step}`), ctx({ id: jobId, step: String(step) }));
    const { dir } = await unpack(res, `checkpoint-${step}`);
    expectSameFiles(path.join(absJobDir, "adapter", "checkpoints", `step-${step}`), dir);
  });

  it("exports a merged model: a pending row, a gpu-jobs/model.merge job, then a loadable model folder", async () => {
    const first = await json<MergedExportView>(await mergeRoute(post(`/api/jobs/${jobId}/artifacts/merged`), ctx({ id: jobId })), 201);
    expect(first.status).toBe("pending");
    // Asking again while it is pending returns the same export.
    const again = await json<MergedExportView>(await mergeRoute(post(`/api/jobs/${jobId}/artifacts/merged`), ctx({ id: jobId })));
    expect(again.id).toBe(first.id);

    const queued = await takeQueuedMerge(first.id);
    expect(queued?.name).toBe("model.merge");
    expect(queued?.data).toEqual({ artifactId: first.id });

    const logs: string[] = [];
    const result = await runModelMerge({ db, log: { info: (m) => logs.push(m), warn: (m) => logs.push(m) } }, { artifactId: first.id });
    expect(result.outcome, logs.join("\n")).toBe("ready");
    const done = await json<MergedExportView & { kind: string }>(await artifactRoute(get(`/api/artifacts/${first.id}`), ctx({ id: first.id })));
    expect(done).toMatchObject({ status: "ready", kind: "merged_model", errorMessage: null, downloadUrl: `/api/artifacts/${first.id}/download` });
    const out = path.join(dataDir(), done.path);
    for (const f of ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    const files = fs.readdirSync(out);
    expect(done.sizeBytes).toBe(files.reduce((s, f) => s + fs.statSync(path.join(out, f)).size, 0));

    // The merged folder is a model: it loads, its chat template renders, and it scores like base + adapter.
    const addon = loadNativeAddon();
    const chat = loadChatTokenizer(out);
    const tokens = chat.encode(chat.render([{ role: "user", content: "What color is the sky?" }, { role: "assistant", content: '{"color": "blue"}' }], { addGenerationPrompt: false }));
    const merged = await addon.loadModel({ modelDir: out, quant: "none", backend: "cpu" });
    const base = await addon.loadModel({ modelDir: path.join(modelsDir(), MODEL), quant: "none", backend: "cpu" });
    try {
      const viaMerged = await merged.logprobs(tokens);
      const viaAdapter = await base.logprobs(tokens, path.join(absJobDir, "adapter"));
      const plain = await base.logprobs(tokens);
      viaMerged.forEach((x, i) => expect(Math.abs(x - viaAdapter[i]!)).toBeLessThan(0.05));
      expect(viaMerged.some((x, i) => Math.abs(x - plain[i]!) > 0.05)).toBe(true);
    } finally {
      merged.close();
      base.close();
    }

    const { dir } = await unpack(await artifactDownloadRoute(get(`/api/artifacts/${first.id}/download`), ctx({ id: first.id })), "merged");
    expectSameFiles(out, dir);
    const listed = await json<JobArtifactsView>(await listRoute(get(`/api/jobs/${jobId}/artifacts`), ctx({ id: jobId })));
    expect(listed.merged.map((m) => [m.id, m.status])).toEqual([[first.id, "ready"]]);
  }, 60_000);

  it("a merge whose base model is gone fails with a message that names it", async () => {
    const other = await localJob({ status: "succeeded", adapterPath: `${relJobDir}/adapter` });
    await db.fineTuneJob.update({ where: { id: other }, data: { baseModel: "no-such-model" } });
    const a = await json<MergedExportView>(await mergeRoute(post(`/api/jobs/${other}/artifacts/merged`), ctx({ id: other })), 201);
    expect((await takeQueuedMerge(a.id))?.name).toBe("model.merge");
    const r = await runModelMerge({ db, log: { info: () => {}, warn: () => {} } }, { artifactId: a.id });
    expect(r.outcome).toBe("failed");
    const row = await db.artifact.findUniqueOrThrow({ where: { id: a.id } });
    expect(row.status).toBe("failed");
    expect(row.errorMessage).toMatch(/No model folder "no-such-model"/);
  });

  it("a merge asked to stop by shutdown leaves the export pending and throws, so the queue retries it", async () => {
    const other = await localJob({ status: "succeeded", adapterPath: `${relJobDir}/adapter` });
    const a = await json<MergedExportView>(await mergeRoute(post(`/api/jobs/${other}/artifacts/merged`), ctx({ id: other })), 201);
    expect((await takeQueuedMerge(a.id))?.name).toBe("model.merge");
    const shutdown = new AbortController();
    shutdown.abort();
    await expect(runModelMerge({ db, log: { info: () => {}, warn: () => {} }, signal: shutdown.signal }, { artifactId: a.id })).rejects.toThrow(/shutting down; it will be retried/);
    expect((await db.artifact.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("pending");
    // The retry on a live worker finishes it.
    expect((await runModelMerge({ db, log: { info: () => {}, warn: () => {} } }, { artifactId: a.id })).outcome).toBe("ready");
    fs.rmSync(path.join(dataDir(), "exports", other), { recursive: true, force: true });
  });
});

describe("bad requests get clear 4xx answers", () => {
  const errorOf = async (res: Response, status: number) => (await json<{ error: { code: string; message: string } }>(res, status)).error;

  it("an unknown job", async () => {
    expect((await errorOf(await listRoute(get("/api/jobs/nope/artifacts"), ctx({ id: "nope" })), 404)).message).toBe("Job nope not found");
    expect((await errorOf(await adapterRoute(get("/api/jobs/nope/artifacts/adapter"), ctx({ id: "nope" })), 404)).message).toBe("Job nope not found");
    expect((await errorOf(await mergeRoute(post("/api/jobs/nope/artifacts/merged"), ctx({ id: "nope" })), 404)).message).toBe("Job nope not found");
    expect((await errorOf(await artifactDownloadRoute(get("/api/artifacts/nope/download"), ctx({ id: "nope" })), 404)).message).toBe("Artifact nope not found");
  });

  it("a job without an adapter, a hosted job, an unknown checkpoint", async () => {
    const running = await localJob({ status: "running" });
    expect((await errorOf(await adapterRoute(get("/x"), ctx({ id: running })), 409)).code).toBe("no_adapter");
    expect((await errorOf(await mergeRoute(post("/x"), ctx({ id: running })), 409)).message).toMatch(/is running; a merged model can be exported once it has succeeded/);
    const hosted = await localJob({ status: "succeeded", provider: "openai" });
    expect((await errorOf(await adapterRoute(get("/x"), ctx({ id: hosted })), 409)).code).toBe("not_local_job");
    expect((await errorOf(await checkpointRoute(get("/x"), ctx({ id: jobId, step: "999" })), 404)).message).toBe(`Checkpoint at step 999 of job ${jobId} not found`);
    const view = await json<JobArtifactsView>(await listRoute(get("/x"), ctx({ id: running })));
    expect(view).toMatchObject({ adapter: null, adapterNote: "The adapter is written when training finishes.", playgroundUrl: null });
  });

  it("stored paths that lead outside the data directory, by '..' or through a link, are refused", async () => {
    const dotdot = await localJob({ status: "succeeded", adapterPath: "../../etc" });
    expect((await errorOf(await adapterRoute(get("/x"), ctx({ id: dotdot })), 400)).code).toBe("path_outside_data_dir");
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "outside-"));
    fs.writeFileSync(path.join(outside, "secret.txt"), "not yours");
    fs.symlinkSync(outside, path.join(absJobDir, "link-out"));
    const linked = await localJob({ status: "succeeded", adapterPath: `${relJobDir}/link-out` });
    const err = await errorOf(await adapterRoute(get("/x"), ctx({ id: linked })), 400);
    expect(err.message).toMatch(/leads outside the data directory through a link/);
    fs.rmSync(outside, { recursive: true, force: true });
  });
});
