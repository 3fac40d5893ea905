import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The models directory must be set before lib/env is first read (hoisted above the imports).
const modelsRoot = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/tf-gpu-best-${process.pid}-${Date.now()}`;
  process.env.TUNEFORGE_MODELS_DIR = dir;
  return dir;
});

import { serveRoutes, type RouteServer } from "../cli/testing/route-server";
import { createPrismaClient } from "../lib/db/client";
import { dataDir } from "../lib/env";
import { closeLiveRedis } from "../lib/jobs/launch/live";
import { checkLocalLaunch } from "../lib/jobs/launch/local";
import { createFrozenVersion, type LocalVersionFixture } from "../lib/jobs/local/test-support";
import type { JobView } from "../lib/jobs/types";
import { closeQueues } from "../lib/queue/queues";
import { writeTinyModel } from "../lib/testing/tiny-model";
import { colorTask, colorTaskContradicted, toJsonl, type ChatLine } from "../lib/testing/tiny-model/task";
import { loadChatTokenizer, tokenizeChat } from "../lib/tokenizer";
import { loadNativeAddon } from "../native/index";
import { apiCall, JOB_ROUTES, launchTinyJob, removeLocalJobs, startGpuWorker, untilWithOutput } from "./gpu-jobs-testing";

// Early stopping and keeping the best step's adapter, end to end: the launch check, POST /api/jobs, the real GPU
// worker process on the CPU backend, Postgres and Redis. The validation answers contradict the training ones, so
// the validation loss falls while the answer format is learned and rises once the training colors are.

const db = createPrismaClient();
const fixtures: LocalVersionFixture[] = [];
const children: ChildProcess[] = [];
let server: RouteServer;
const tinyChat = () => path.join(modelsRoot, "tiny-chat");

beforeAll(async () => {
  mkdirSync(modelsRoot, { recursive: true });
  writeTinyModel({ dir: tinyChat(), preset: "tiny", seed: 7 });
  server = await serveRoutes(JOB_ROUTES);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await removeLocalJobs(db, fixtures);
  await server.close();
  await closeQueues();
  await closeLiveRedis();
  await db.$disconnect();
  rmSync(modelsRoot, { recursive: true, force: true });
});

/** Mean -ln p of the validation answers' trained tokens under the adapter: what the trainer's validation pass measures. */
async function validationLoss(lines: ChatLine[], adapterDir: string): Promise<number> {
  const model = await loadNativeAddon().loadModel({ modelDir: tinyChat(), quant: "none", backend: "cpu", threads: 1 });
  try {
    const chat = loadChatTokenizer(tinyChat());
    let sum = 0;
    let count = 0;
    for (const line of lines) {
      const ex = tokenizeChat(chat, line);
      const lp = await model.logprobs(ex.tokens, adapterDir);
      lp.forEach((x, i) => {
        if (ex.lossMask[i + 1]) (sum -= x), count++;
      });
    }
    return sum / count;
  } finally {
    model.close();
  }
}

describe("gpu worker: early stopping and the best step", () => {
  it("refuses both without validation data at launch, naming the field", async () => {
    const f = await createFrozenVersion(db, dataDir(), { name: "gpu-best-noval", train: toJsonl(colorTask(8)) });
    fixtures.push(f);
    const check = (training: Record<string, unknown>) => checkLocalLaunch({ provider: "local", datasetVersionId: f.versionId, baseModel: "tiny-chat", config: { training } });
    const patience = (await check({ earlyStoppingPatience: 2 })).estimate.issues;
    expect(patience).toEqual([expect.objectContaining({ field: "config.training.earlyStoppingPatience", code: "invalid_field", message: expect.stringMatching(/^Early stopping acts on the validation loss, and version v1 of ".*" has no validation split\. Re-split/) })]);
    const best = (await check({ keepBest: true })).estimate.issues;
    expect(best).toEqual([expect.objectContaining({ field: "config.training.keepBest", message: expect.stringMatching(/^Keeping the best step acts on the validation loss/) })]);
    expect((await check({})).estimate.issues).toEqual([]);
  });

  it("stops once the validation loss stops improving and keeps the best step's adapter", async () => {
    const validation = colorTaskContradicted(6, 2);
    const f = await createFrozenVersion(db, dataDir(), { name: "gpu-best", train: toJsonl(colorTask(8)), validation: toJsonl(validation) });
    fixtures.push(f);
    // 8 examples / batch 4 = 2 steps an epoch, validated at each epoch end.
    const queued = await launchTinyJob(server.url, f.versionId, { backend: "cpu", epochs: 40, batchSize: 4, gradAccum: 1, lr: 5e-2, earlyStoppingPatience: 2, keepBest: true });
    const w = startGpuWorker({ modelsDir: modelsRoot, track: children, env: { TUNEFORGE_LOCAL_BACKEND: "cpu" } });
    await untilWithOutput("the job to succeed", w, async () => ((await db.fineTuneJob.findUniqueOrThrow({ where: { id: queued.id } })).status === "succeeded" ? true : undefined), 60_000);
    const job = (await apiCall<{ job: JobView }>(server.url, "GET", `/api/jobs/${queued.id}`)).body.job;

    const passes = job.metrics.filter((m) => m.validLoss !== null);
    const best = passes.reduce((a, b) => (b.validLoss! < a.validLoss! ? b : a));
    const last = job.metrics.at(-1)!;
    // Inside the run, and stopped at the second pass after it (no later pass beat it), with a checkpoint there.
    expect(best.step).toBeGreaterThan(2);
    expect(last.step).toBe(best.step + 2 * 2);
    expect(last.totalSteps).toBe(80);
    expect(passes.filter((p) => p.step > best.step).every((p) => p.validLoss! >= best.validLoss!)).toBe(true);
    expect(job.checkpoints.map((c) => c.step)).toContain(last.step);
    expect(job).toMatchObject({ stoppedEarly: true, adapterStep: best.step, progress: { step: last.step, totalSteps: 80 } });

    const events = (await db.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { createdAt: "asc" } })).map((e) => e.message);
    expect(events).toContain(
      `Stopped early at step ${last.step} of 80: the validation loss did not improve for 2 validation passes in a row (best ${best.validLoss!.toFixed(4)} at step ${best.step}). ` +
        `The adapter is step ${best.step}'s, the lowest validation loss (${best.validLoss!.toFixed(4)}), not the last step's.`,
    );
    expect(events.at(-1)).toMatch(new RegExp(`^Succeeded after ${last.step} steps: .*\\. Adapter \\(step ${best.step}'s weights\\) in jobs/`));

    // The job's adapter is the best step's: its validation loss is the best one, not the last pass's.
    expect(await validationLoss(validation, job.adapterPath!)).toBeCloseTo(best.validLoss!, 4);
    expect(last.validLoss!).toBeGreaterThan(best.validLoss! + 0.01);
    const card = readFileSync(path.join(job.adapterPath!, "README.md"), "utf8");
    expect(card).toContain(`| optimizer steps | ${last.step} of 80 (stopped early) |`);
    expect(card).toContain(`| adapter weights from step | ${best.step} |`);
    expect(card).toContain("| early stopping | after 2 validation passes without improvement |");
    // Trained tokens: the share of the planned steps the run took.
    const perEpoch = Number(/: 8 examples, (\d+) tokens/.exec(events.find((m) => m.startsWith("Training on "))!)![1]);
    const row = await db.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(Number(row.trainedTokens)).toBe(Math.round((perEpoch * 40 * last.step) / 80));
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
  }, 90_000);
});
