import type { ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import { expect } from "vitest";
import * as jobCancelRoute from "../app/api/jobs/[id]/cancel/route";
import * as jobRoute from "../app/api/jobs/[id]/route";
import * as jobsRoute from "../app/api/jobs/route";
import type { JobView } from "../lib/jobs/types";
import { dataDir, env } from "../lib/env";
import { deleteFrozenVersions, type LocalVersionFixture } from "../lib/jobs/local/test-support";
import { queues } from "../lib/queue/queues";
import { createRedis } from "../lib/redis";
import { spawnWorker, waitFor, type SpawnedWorker } from "../lib/workers/testing";
import { colorPreferences } from "../lib/testing/tiny-model/task";
import { loadChatTokenizer, tokenizeChat } from "../lib/tokenizer";
import { loadNativeAddon } from "../native/index";

// Test-only: what the GPU worker tests share (gpu-jobs.int.test.ts on the CPU backend, gpu-jobs-cuda.emu.test.ts on
// the emulated device): the real worker process with a stated environment, waits that show the worker's output when
// they time out, and the clean-up of the jobs and dataset versions a file made.

/** A GPU worker (workers/main.ts --gpu) on this test run's database, Redis prefix, data and models directories. */
export function startGpuWorker(opts: { modelsDir: string; track: ChildProcess[]; env: Record<string, string | undefined> }): SpawnedWorker {
  return spawnWorker({
    args: ["--gpu"],
    track: opts.track,
    env: {
      DATABASE_URL: env().DATABASE_URL,
      REDIS_URL: env().REDIS_URL,
      TUNEFORGE_QUEUE_PREFIX: env().TUNEFORGE_QUEUE_PREFIX,
      TUNEFORGE_DATA_DIR: dataDir(),
      TUNEFORGE_MODELS_DIR: opts.modelsDir,
      // One thread: the machine runs other tests, and slower steps leave room to kill mid-run.
      TUNEFORGE_LOCAL_THREADS: "1",
      TUNEFORGE_RECONCILE_MS: "60000",
      TUNEFORGE_WORKER_LOCK_MS: "1000",
      TUNEFORGE_WORKER_STALLED_MS: "300",
      ...opts.env,
    },
  });
}

/** Polls `check`; on a timeout the error carries the end of the worker's output. */
export function untilWithOutput<T>(what: string, w: SpawnedWorker | null, check: () => Promise<T | undefined>, ms: number): Promise<T> {
  return waitFor(check, ms, what).catch((err: Error) => {
    throw new Error(`${err.message}\nworker output:\n${w?.output().slice(-3000) ?? ""}`);
  });
}

/** The job routes both GPU worker test files serve: launch, view, cancel. */
export const JOB_ROUTES = [
  { pattern: /^\/api\/jobs$/, keys: [], module: jobsRoute },
  { pattern: /^\/api\/jobs\/([^/]+)$/, keys: ["id"], module: jobRoute },
  { pattern: /^\/api\/jobs\/([^/]+)\/cancel$/, keys: ["id"], module: jobCancelRoute },
];

/**
 * Launches a local LoRA job (rank 8, lr 1e-2, no warm-up) on the tiny "tiny-chat" model through POST /api/jobs;
 * `training` and `quantization` add to or replace those settings.
 */
export async function launchTinyJob(baseUrl: string, versionId: string, training: Record<string, unknown>, quantization: Record<string, unknown> = { quant: "none" }): Promise<JobView> {
  const res = await apiCall<{ job: JobView }>(baseUrl, "POST", "/api/jobs", {
    provider: "local",
    datasetVersionId: versionId,
    baseModel: "tiny-chat",
    config: { lora: { rank: 8, alpha: 16, dropout: 0 }, quantization, training: { lr: 1e-2, warmupRatio: 0, ...training } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.job;
}

/** JSON over HTTP to a route server (cli/testing/route-server.ts). */
export async function apiCall<T>(baseUrl: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(baseUrl + p, { method, headers: { "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as T };
}

/** Removes the local jobs trained on `fixtures` (their folders and queue entries) and the fixtures themselves. */
export async function removeLocalJobs(db: PrismaClient, fixtures: LocalVersionFixture[]): Promise<void> {
  const jobs = await db.fineTuneJob.findMany({ where: { datasetVersionId: { in: fixtures.map((f) => f.versionId) } }, select: { id: true } });
  for (const f of fixtures) await rm(path.join(dataDir(), "datasets", f.datasetId), { recursive: true, force: true });
  for (const j of jobs) {
    await rm(path.join(dataDir(), "jobs", j.id), { recursive: true, force: true });
    await (await queues().get("gpu-jobs").getJob(`finetune-${j.id}`))?.remove().catch(() => undefined);
  }
  await deleteFrozenVersions(db, fixtures);
}

/** What a worker's heartbeat says of itself (lib/workers/heartbeat.ts), read from Redis as the dashboard does. */
export type HeartbeatInfo = { id: string; queues: string[]; devices?: { index: number; name: string; memoryMiB?: number }[] };

export async function heartbeatOf(workerId: string): Promise<HeartbeatInfo | undefined> {
  const redis = createRedis("client");
  try {
    const keys = await redis.keys(`${env().TUNEFORGE_QUEUE_PREFIX}:workers:*`);
    const infos = await Promise.all(keys.map(async (k) => JSON.parse((await redis.get(k)) ?? "{}") as HeartbeatInfo));
    return infos.find((i) => i.id === workerId);
  } finally {
    await redis.quit();
  }
}

/**
 * The DPO tests' held-out measure on the host (CPU backend): the mean over 6 held-out color pairs of
 * ln p(preferred) − ln p(non-preferred), for the base model and with the adapter.
 */
export async function heldOutPreferenceGap(modelDir: string, adapter: string): Promise<{ base: number; tuned: number }> {
  const model = await loadNativeAddon().loadModel({ modelDir, quant: "none", backend: "cpu", threads: 1 });
  try {
    const chat = loadChatTokenizer(modelDir);
    const gap = async (withAdapter?: string) => {
      let sum = 0;
      for (const p of colorPreferences(6, 4)) {
        for (const [sign, answer] of [[1, p.preferred_output], [-1, p.non_preferred_output]] as const) {
          const ex = tokenizeChat(chat, { messages: [...p.input.messages, ...answer] as never });
          const lp = await model.logprobs(ex.tokens, withAdapter);
          sum += sign * lp.reduce((s, x, i) => s + (ex.lossMask[i + 1] ? x : 0), 0);
        }
      }
      return sum / 6;
    };
    return { base: await gap(), tuned: await gap(adapter) };
  } finally {
    model.close();
  }
}
