import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../db/client";
import { createRedis } from "../redis";
import { uniquePrefix } from "../workers/testing";
import { publishMetrics, storeCheckpoints, storeEvents, storeMetricPoints } from "./events";
import { jobChannel, parseLiveMessage, type LiveMessage } from "./live/channel";

// The series writers against real Postgres: a repeated poll inserts nothing twice and reports only what it
// inserted (that is what gets published), and a checkpoint OpenAI renames at the end is updated in place.

const db = createPrismaClient();
const redis = createRedis("client");
const sub = createRedis("client");
const prefix = uniquePrefix("events");
let jobId = "";
let datasetId = "";

beforeAll(async () => {
  const ds = await db.dataset.create({ data: { name: `events-${randomBytes(4).toString("hex")}` } });
  datasetId = ds.id;
  const v = await db.datasetVersion.create({
    data: { datasetId, number: 1, trainPath: "t.jsonl", sha256: "0".repeat(64), exampleCount: 1, trainCount: 1, validationCount: 0, tokenCount: 1 },
  });
  jobId = (await db.fineTuneJob.create({ data: { provider: "openai", status: "running", baseModel: "m", datasetVersionId: v.id } })).id;
});
afterAll(async () => {
  await db.fineTuneJob.deleteMany({ where: { id: jobId } });
  await db.datasetVersion.deleteMany({ where: { datasetId } });
  await db.dataset.deleteMany({ where: { id: datasetId } });
  await sub.quit();
  await redis.quit();
  await db.$disconnect();
});

const point = (step: number, trainLoss: number) => ({ step, trainLoss, totalSteps: 4, epoch: step / 2 });

describe("job series writers", () => {
  it("inserts metric points once, returns only the new ones, and publishes exactly those", async () => {
    if (sub.status !== "ready") await new Promise((resolve) => sub.once("ready", resolve));
    const received: LiveMessage[] = [];
    await sub.subscribe(jobChannel(prefix, jobId));
    sub.on("message", (_c, raw) => received.push(parseLiveMessage(raw)!));

    const first = await storeMetricPoints(db, jobId, [point(1, 2.0), point(2, 1.5)]);
    expect(first.map((p) => p.step)).toEqual([1, 2]);
    // The same poll again, overlapping one new step: only step 3 is new; step 2 keeps its first value.
    const again = await storeMetricPoints(db, jobId, [point(2, 9.9), point(3, 1.2)]);
    expect(again.map((p) => p.step)).toEqual([3]);
    await publishMetrics({ redis, prefix }, jobId, again);
    await publishMetrics({ redis, prefix }, jobId, []); // nothing new: nothing published

    const stored = await db.metricPoint.findMany({ where: { jobId }, orderBy: { step: "asc" } });
    expect(stored.map((p) => [p.step, p.trainLoss, p.epoch])).toEqual([[1, 2.0, 0.5], [2, 1.5, 1], [3, 1.2, 1.5]]);
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ type: "metrics", points: [{ step: 3, trainLoss: 1.2, epoch: 1.5 }] });
  });

  it("stores each provider event once, and our own events (no remote id) every time", async () => {
    const e = (remoteId: string | null, message: string) => ({ remoteId, level: "info", message });
    expect((await storeEvents(db, jobId, [e("ftevent-1", "a"), e("ftevent-2", "b")])).length).toBe(2);
    expect((await storeEvents(db, jobId, [e("ftevent-2", "b"), e("ftevent-3", "c")])).map((x) => x.remoteId)).toEqual(["ftevent-3"]);
    expect((await storeEvents(db, jobId, [e(null, "ours")])).length).toBe(1);
    expect((await storeEvents(db, jobId, [e(null, "ours")])).length).toBe(1);
    expect(await db.jobEvent.count({ where: { jobId } })).toBe(5);
  });

  it("adds checkpoints by step and updates one whose model name changed", async () => {
    const c = (step: number, modelName: string) => ({ step, remoteId: `ftckpt_${step}`, modelName, metrics: { train_loss: 1 } });
    expect((await storeCheckpoints(db, jobId, [c(2, "ft:m::x:ckpt-step-2"), c(4, "ft:m::x:ckpt-step-4")])).length).toBe(2);
    expect(await storeCheckpoints(db, jobId, [c(2, "ft:m::x:ckpt-step-2"), c(4, "ft:m::x:ckpt-step-4")])).toEqual([]);
    const renamed = await storeCheckpoints(db, jobId, [c(2, "ft:m::x:ckpt-step-2"), c(4, "ft:m::x")]);
    expect(renamed.map((r) => [r.step, r.modelName])).toEqual([[4, "ft:m::x"]]);
    expect(await db.checkpoint.count({ where: { jobId } })).toBe(2);
  });
});
