import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as streamRoute } from "./route";
import { prisma } from "@/lib/db/client";
import { env } from "@/lib/env";
import { publishEvalProgress } from "@/lib/eval/live";
import { removeSeededEvalRuns, seedEvalRun, type SeededEvalRun } from "@/lib/eval/testing";
import type { EvalProgress } from "@/lib/eval/types";
import { closeLiveHub } from "@/lib/jobs/live/hub";
import { readSse } from "@/lib/jobs/live/sse-parse";
import { createRedis } from "@/lib/redis";

// The progress stream against real Postgres and Redis: the first event is the count read from the rows, then
// every message the worker publishes (the same publishEvalProgress it calls), and the stream ends with a
// terminal status.

const db = prisma();
const prefix = env().TUNEFORGE_QUEUE_PREFIX;
const seeded: SeededEvalRun[] = [];
let redis: Redis;

beforeAll(() => {
  redis = createRedis("client");
});

afterAll(async () => {
  await removeSeededEvalRuns(db, seeded);
  await redis.quit();
  await closeLiveHub();
  await db.$disconnect();
});

const connect = (id: string) =>
  streamRoute(new Request(`http://127.0.0.1:3000/api/evals/${id}/stream`, { headers: { host: "127.0.0.1:3000" } }), { params: Promise.resolve({ id }) });

describe("GET /api/evals/[id]/stream", () => {
  it("starts with the stored counts, relays each published count, and ends after a terminal status", async () => {
    const run = await seedEvalRun(db, { n: 10, seed: 21, status: "running" });
    seeded.push(run);
    const res = await connect(run.runId);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const stored = await db.evalSample.count({ where: { evalRunId: run.runId, baselineOutput: { not: null } } });

    // The worker publishes running totals after every sample, so a message that misses a subscriber is replaced
    // by the next one; this test does the same: it repeats each count every 100 ms until the stream relays it.
    // (In the full suite a publish right after the first event was once not delivered: Redis reported no subscriber.
    // The likely cause, a SUBSCRIBE written during ioredis's handshake, is mended in LiveHub and tested in
    // lib/jobs/live/hub.int.test.ts; the repeats stay, as the worker's own publishes repeat.)
    const mid: EvalProgress = { generated: { baseline: 9, candidate: 9 }, judged: 8, total: 10, status: "running" };
    const end: EvalProgress = { generated: { baseline: 10, candidate: 10 }, judged: 10, total: 10, status: "succeeded" };
    const events: EvalProgress[] = [];
    let sending: EvalProgress | null = null;
    const repeat = setInterval(() => sending && void publishEvalProgress(redis, prefix, run.runId, sending), 100);
    try {
      for await (const frame of readSse(res.body!)) {
        if (!("data" in frame) || frame.event !== "progress") continue;
        const p = JSON.parse(frame.data) as EvalProgress;
        if (events.length === 0 || JSON.stringify(p) !== JSON.stringify(events.at(-1))) events.push(p);
        sending = events.length === 1 ? mid : end;
      }
    } finally {
      clearInterval(repeat);
    }
    // The stream closed itself after "succeeded".
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({ status: "running", total: 10, generated: { baseline: stored } });
    expect(events[1]).toEqual({ generated: { baseline: 9, candidate: 9 }, judged: 8, total: 10, status: "running" });
    expect(events[2]).toMatchObject({ status: "succeeded", judged: 10 });
  });

  it("a finished run's stream says so at once and ends; an unknown run is a 404", async () => {
    const done = await seedEvalRun(db, { n: 4, seed: 22 });
    seeded.push(done);
    const frames = [];
    for await (const frame of readSse((await connect(done.runId)).body!)) if ("data" in frame) frames.push(JSON.parse(frame.data) as EvalProgress);
    expect(frames).toEqual([{ generated: { baseline: 4, candidate: 4 }, judged: 4, total: 4, status: "succeeded" }]);

    const missing = await connect("no-such-run");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/no-such-run/);
  });
});
