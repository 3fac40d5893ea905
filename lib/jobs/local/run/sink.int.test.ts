import { mkdirSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StepReport } from "../../../../native/index";
import { createPrismaClient } from "../../../db/client";
import { createRedis } from "../../../redis";
import { deleteKeysUnder, uniquePrefix } from "../../../workers/testing";
import { parseLiveMessage, type LiveMessage } from "../../live/channel";
import { createStepSink } from "./sink";

// The step sink on real Postgres and Redis: steps restored from a checkpoint's log (a killed run's steps that never
// reached the stored curve) are stored and published like reported ones, ahead of the resumed run's first report,
// with their checkpoints listed again.

const db = createPrismaClient();
const redis = createRedis("client");
const sub = createRedis("client");
const prefix = uniquePrefix("sink");
const live: LiveMessage[] = [];
const jobIds: string[] = [];
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "tf-sink-"));
  if (sub.status !== "ready") await new Promise((resolve) => sub.once("ready", resolve));
  await sub.psubscribe(`${prefix}:live:job:*`);
  sub.on("pmessage", (_p, _channel, raw) => {
    const message = parseLiveMessage(raw);
    if (message) live.push(message);
  });
});
afterAll(async () => {
  await db.fineTuneJob.deleteMany({ where: { id: { in: jobIds } } });
  await rm(dataDir, { recursive: true, force: true });
  await sub.quit();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await db.$disconnect();
});

describe("createStepSink", () => {
  it("stores restored steps and their checkpoints before the resumed run's reports", async () => {
    const job = await db.fineTuneJob.create({ data: { provider: "local", status: "running", baseModel: "tiny-chat" } });
    jobIds.push(job.id);
    const ckpt = path.join(dataDir, "jobs", job.id, "checkpoints", "step-6");
    mkdirSync(ckpt, { recursive: true });
    const errors: Error[] = [];
    const sink = createStepSink({ db, pub: { redis, prefix }, jobId: job.id, dataDir, epochs: 2, onError: (e) => errors.push(e) });
    // Figures exact in binary and in Postgres's 15 digits.
    const logged = (step: number) => ({ step, totalSteps: 16, loss: 1 + step / 8, lr: 1e-4, gradNorm: 0.25 * step, tokensPerSec: 900 + step, memoryBytes: 2 ** 31 });
    sink.restore([logged(5), { ...logged(6), validLoss: 0.75, checkpointDir: ckpt }]);
    const report: StepReport = { ...logged(7), epoch: 1, elapsedMs: 70 };
    sink.push(report);
    await sink.drain();
    expect(errors).toEqual([]);

    const points = await db.metricPoint.findMany({ where: { jobId: job.id }, orderBy: { step: "asc" } });
    expect(points.map((p) => [p.step, p.trainLoss, p.validLoss, p.gradNorm, p.tokensPerSecond, p.memoryBytes, p.epoch])).toEqual([
      [5, 1.625, null, 1.25, 905, BigInt(2 ** 31), 0.625],
      [6, 1.75, 0.75, 1.5, 906, BigInt(2 ** 31), 0.75],
      [7, 1.875, null, 1.75, 907, BigInt(2 ** 31), 0.875],
    ]);
    const checkpoints = await db.checkpoint.findMany({ where: { jobId: job.id } });
    expect(checkpoints.map((c) => [c.step, c.path, c.metrics])).toEqual([[6, `jobs/${job.id}/checkpoints/step-6`, { train_loss: 1.75, valid_loss: 0.75 }]]);
    // The restored steps are not the run's own last report.
    expect(sink.lastReport).toBe(report);
    // Published live like any step: the page draws them without a reload.
    await expect.poll(() => live.flatMap((m) => (m.type === "metrics" ? m.points.map((p) => p.step) : []))).toEqual([5, 6, 7]);
    expect(live.some((m) => m.type === "checkpoints" && m.checkpoints.some((c) => c.step === 6))).toBe(true);
  });

  it("stores a DPO step's reward accuracy in the accuracy columns and its margins in their own, restored or reported", async () => {
    const job = await db.fineTuneJob.create({ data: { provider: "local", status: "running", baseModel: "tiny-chat", method: "dpo" } });
    jobIds.push(job.id);
    const ckpt = path.join(dataDir, "jobs", job.id, "checkpoints", "step-2");
    mkdirSync(ckpt, { recursive: true });
    const errors: Error[] = [];
    const sink = createStepSink({ db, pub: { redis, prefix }, jobId: job.id, dataDir, epochs: 1, onError: (e) => errors.push(e) });
    const step = (n: number) => ({ step: n, totalSteps: 4, loss: 0.5, lr: 1e-4, gradNorm: 1, tokensPerSec: 100, memoryBytes: 2 ** 20, rewardAccuracy: n / 4, rewardMargin: 0.25 * n });
    sink.restore([step(1), { ...step(2), validLoss: 0.5, validRewardAccuracy: 0.75, validRewardMargin: 0.375, checkpointDir: ckpt }]);
    sink.push({ ...step(3), epoch: 0, elapsedMs: 30 });
    await sink.drain();
    expect(errors).toEqual([]);
    const points = await db.metricPoint.findMany({ where: { jobId: job.id }, orderBy: { step: "asc" } });
    expect(points.map((p) => [p.step, p.trainAccuracy, p.rewardMargin, p.validAccuracy, p.validRewardMargin])).toEqual([
      [1, 0.25, 0.25, null, null],
      [2, 0.5, 0.5, 0.75, 0.375],
      [3, 0.75, 0.75, null, null],
    ]);
    const checkpoints = await db.checkpoint.findMany({ where: { jobId: job.id } });
    expect(checkpoints.map((c) => c.metrics)).toEqual([{ train_loss: 0.5, valid_loss: 0.5, train_reward_accuracy: 0.5, valid_reward_accuracy: 0.75, train_reward_margin: 0.5, valid_reward_margin: 0.375 }]);
  });

  it("forgets checkpoints whose folders the trainer pruned, and tells the page the whole set that is left", async () => {
    const job = await db.fineTuneJob.create({ data: { provider: "local", status: "running", baseModel: "tiny-chat" } });
    jobIds.push(job.id);
    const dir = (step: number) => path.join(dataDir, "jobs", job.id, "checkpoints", `step-${step}`);
    const sink = createStepSink({ db, pub: { redis, prefix }, jobId: job.id, dataDir, epochs: 1, onError: (e) => { throw e; } });
    const step = (n: number, checkpoint: boolean): StepReport => ({
      step: n, totalSteps: 8, loss: 2 - n / 8, lr: 1e-4, gradNorm: 1, tokensPerSec: 900, memoryBytes: 2 ** 20, epoch: 1, elapsedMs: 10 * n,
      ...(checkpoint ? { checkpointDir: dir(n) } : {}),
    });
    for (const n of [2, 4]) mkdirSync(dir(n), { recursive: true });
    sink.push(step(2, true));
    sink.push(step(4, true));
    await sink.drain();
    const mine = () => live.filter((m): m is Extract<LiveMessage, { type: "checkpoints" }> => m.type === "checkpoints" && m.checkpoints.every((c) => c.path?.includes(job.id) ?? false));
    await expect.poll(() => mine().flatMap((m) => m.checkpoints.map((c) => c.step))).toEqual([2, 4]);
    expect(mine().every((m) => !m.complete)).toBe(true);  // nothing pruned yet: only the new ones

    // The trainer writes step 6 and removes step 2's folder (it keeps its newest few).
    mkdirSync(dir(6), { recursive: true });
    rmSync(dir(2), { recursive: true });
    sink.push(step(6, true));
    await sink.drain();
    expect((await db.checkpoint.findMany({ where: { jobId: job.id }, orderBy: { step: "asc" } })).map((c) => c.step)).toEqual([4, 6]);
    await expect.poll(() => mine().at(-1)?.complete).toBe(true);
    expect(mine().at(-1)!.checkpoints.map((c) => c.step)).toEqual([4, 6]);
  });
});
