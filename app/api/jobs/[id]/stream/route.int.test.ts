import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as streamRoute } from "./route";
import { prisma } from "@/lib/db/client";
import { env } from "@/lib/env";
import { createRedis } from "@/lib/redis";
import type { LiveMessage } from "@/lib/jobs/live/channel";
import { jobChannel } from "@/lib/jobs/live/channel";
import { closeLiveHub, LiveHub, liveHub } from "@/lib/jobs/live/hub";
import { jobStreamResponse } from "@/lib/jobs/live/response";
import { readSse, type SseFrame } from "@/lib/jobs/live/sse-parse";
import { curvePoints, updateAndPublishJob, writeAndPublishPoints } from "@/lib/jobs/live/testing";

// The SSE route against real Postgres and Redis: points are written and published the way the worker does
// (Postgres first), around the moment a client connects and while it is away.

const db = prisma();
const prefix = env().TUNEFORGE_QUEUE_PREFIX;
let redis: Redis;
const jobIds: string[] = [];
const curve = { totalSteps: 1000 };

async function newJob(): Promise<string> {
  const job = await db.fineTuneJob.create({ data: { provider: "openai", status: "running", baseModel: "gpt-4o-mini-2024-07-18", startedAt: new Date() } });
  jobIds.push(job.id);
  return job.id;
}

function connect(jobId: string, opts: { after?: number; lastEventId?: string } = {}) {
  const controller = new AbortController();
  const url = `http://127.0.0.1:3000/api/jobs/${jobId}/stream${opts.after !== undefined ? `?after=${opts.after}` : ""}`;
  const headers: Record<string, string> = { host: "127.0.0.1:3000" };
  if (opts.lastEventId) headers["last-event-id"] = opts.lastEventId;
  const res = streamRoute(new Request(url, { headers, signal: controller.signal }), { params: Promise.resolve({ id: jobId }) });
  return { res, abort: () => controller.abort() };
}

type Collected = { steps: number[]; lastId?: string; frames: SseFrame[] };

/** Reads frames until `until` holds (or the stream ends), recording every metric step in order. */
async function collect(res: Response, until: (c: Collected) => boolean): Promise<Collected> {
  const c: Collected = { steps: [], frames: [] };
  for await (const frame of readSse(res.body!)) {
    c.frames.push(frame);
    if ("data" in frame) {
      if (frame.id) c.lastId = frame.id;
      if (frame.event === "message") {
        const m = JSON.parse(frame.data) as LiveMessage;
        if (m.type === "metrics") c.steps.push(...m.points.map((p) => p.step));
      }
    }
    if (until(c)) break;
  }
  return c;
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

beforeAll(() => {
  redis = createRedis("client");
});

afterAll(async () => {
  await db.fineTuneJob.deleteMany({ where: { id: { in: jobIds } } });
  await redis.quit();
  await closeLiveHub();
  await db.$disconnect();
});

describe("GET /api/jobs/[id]/stream", () => {
  it("answers 404 for an unknown job", async () => {
    const res = await connect("no-such-job").res;
    expect(res.status).toBe(404);
  });

  it("sends the summary and history after ?after=, then live points, each step once", async () => {
    const jobId = await newJob();
    await writeAndPublishPoints(db, redis, prefix, jobId, curvePoints(1, 5, curve));
    const { res: pending, abort } = connect(jobId, { after: 2 });
    const res = await pending;
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reading = collect(res, (c) => c.steps.at(-1) === 8);
    // History is in flight or sent: these arrive live.
    await new Promise((r) => setTimeout(r, 100));
    await writeAndPublishPoints(db, redis, prefix, jobId, curvePoints(6, 8, curve));
    const c = await reading;
    abort();
    expect(c.steps).toEqual(range(3, 8));
    expect(c.lastId).toBe("8");
    const first = c.frames.find((f) => "data" in f) as { data: string };
    expect((JSON.parse(first.data) as LiveMessage).type).toBe("job");
  });

  it("has no gaps or duplicates when points are written while the client connects", async () => {
    const jobId = await newJob();
    await writeAndPublishPoints(db, redis, prefix, jobId, curvePoints(1, 10, curve));
    // A writer emits one point every millisecond or so while the client subscribes and reads history.
    const writer = (async () => {
      for (let s = 11; s <= 200; s++) await writeAndPublishPoints(db, redis, prefix, jobId, curvePoints(s, s, curve));
    })();
    await new Promise((r) => setTimeout(r, 15));
    const { res, abort } = connect(jobId, { after: 0 });
    const c = await collect(await res, (x) => x.steps.at(-1) === 200);
    await writer;
    abort();
    expect(c.steps).toEqual(range(1, 200));
  });

  it("resumes from Last-Event-ID after a disconnect: nothing missed, nothing repeated", async () => {
    const jobId = await newJob();
    await writeAndPublishPoints(db, redis, prefix, jobId, curvePoints(1, 20, curve));
    const first = connect(jobId);
    const a = await collect(await first.res, (x) => x.steps.at(-1) === 20);
    first.abort();
    // While the client is away: these are only in Postgres (their publishes reach nobody).
    await writeAndPublishPoints(db, redis, prefix, jobId, curvePoints(21, 30, curve));
    const second = connect(jobId, { after: 0, lastEventId: a.lastId });
    const reading = collect(await second.res, (x) => x.steps.at(-1) === 40);
    await new Promise((r) => setTimeout(r, 100));
    await writeAndPublishPoints(db, redis, prefix, jobId, curvePoints(31, 40, curve));
    const b = await reading;
    second.abort();
    expect(a.steps).toEqual(range(1, 20));
    expect(a.lastId).toBe("20");
    expect(b.steps).toEqual(range(21, 40));
  });

  it("shares one Redis subscription among clients and drops it when they leave", async () => {
    const jobId = await newJob();
    const channel = jobChannel(prefix, jobId);
    const clients = [connect(jobId), connect(jobId), connect(jobId)];
    // Read each stream up to its first message and keep it open (leaving the loop would cancel the stream).
    const iterators = await Promise.all(clients.map(async (c) => readSse((await c.res).body!)[Symbol.asyncIterator]()));
    for (const it of iterators) {
      let frame = await it.next();
      while (!frame.done && !("data" in frame.value)) frame = await it.next();
      expect(frame.done).toBe(false);
    }
    expect(liveHub().listenerCount(channel)).toBe(3);
    const [, subscribers] = (await redis.pubsub("NUMSUB", channel)) as [string, number];
    expect(Number(subscribers)).toBe(1);
    for (const c of clients) c.abort();
    await expect.poll(() => liveHub().listenerCount(channel)).toBe(0);
    await expect.poll(async () => Number(((await redis.pubsub("NUMSUB", channel)) as [string, number])[1])).toBe(0);
    await Promise.all(iterators.map((it) => it.return(undefined)));
  });

  it("stops listening when the client reads no further (cancelled body)", async () => {
    const jobId = await newJob();
    const { res } = connect(jobId);
    await collect(await res, (x) => x.frames.some((f) => "data" in f)); // leaving the loop cancels the body
    await expect.poll(() => liveHub().listenerCount(jobChannel(prefix, jobId))).toBe(0);
  });

  it("relays the terminal status, then ends the stream", async () => {
    const jobId = await newJob();
    await writeAndPublishPoints(db, redis, prefix, jobId, curvePoints(1, 3, curve));
    const { res } = connect(jobId);
    const reading = collect(await res, () => false);
    await new Promise((r) => setTimeout(r, 100));
    await updateAndPublishJob(db, redis, prefix, jobId, { status: "succeeded", finishedAt: new Date(), fineTunedModel: "ft:gpt-4o-mini:acme::abc123" });
    const c = await reading; // returns when the server closes the stream
    const data = c.frames.filter((f): f is Extract<SseFrame, { data: string }> => "data" in f);
    const jobs = data.filter((f) => f.event === "message" && (JSON.parse(f.data) as LiveMessage).type === "job");
    expect((JSON.parse(jobs.at(-1)!.data) as Extract<LiveMessage, { type: "job" }>).job).toMatchObject({ status: "succeeded", fineTunedModel: "ft:gpt-4o-mini:acme::abc123" });
    expect(data.at(-1)).toMatchObject({ event: "end", data: JSON.stringify({ status: "succeeded" }) });
  });

  it("sends heartbeat comments while nothing happens", async () => {
    const jobId = await newJob();
    const controller = new AbortController();
    const res = await jobStreamResponse({ jobId, lastEventId: null, signal: controller.signal, heartbeatMs: 50 });
    const c = await collect(res, (x) => x.frames.filter((f) => "comment" in f && f.comment === "ping").length >= 2);
    controller.abort();
    expect(c.frames.filter((f) => "comment" in f)).toHaveLength(2);
  });
});

describe("when the shared subscriber loses Redis", () => {
  it("re-reads Postgres after reconnecting: points published while it was away still arrive, once", async () => {
    const hubRedis = createRedis("client");
    const hubId = Number(await hubRedis.client("ID")); // asked before it enters subscriber mode
    const hub = new LiveHub(hubRedis);
    const jobId = await newJob();
    await writeAndPublishPoints(db, redis, prefix, jobId, curvePoints(1, 10, curve));
    const controller = new AbortController();
    const res = await jobStreamResponse({ jobId, lastEventId: null, signal: controller.signal, hub });
    const frames = readSse(res.body!)[Symbol.asyncIterator]();
    const steps: number[] = [];
    const readUntil = async (last: number) => {
      while (steps.at(-1) !== last) {
        const { value, done } = await frames.next();
        if (done) throw new Error("stream ended");
        if ("data" in value && value.event === "message") {
          const m = JSON.parse(value.data) as LiveMessage;
          if (m.type === "metrics") steps.push(...m.points.map((p) => p.step));
        }
      }
    };
    await readUntil(10);
    // Drop the hub's connection; these points are published while it reconnects (or before), so pub/sub
    // alone would lose some of them.
    await redis.client("KILL", "ID", String(hubId));
    for (let s = 11; s <= 30; s++) await writeAndPublishPoints(db, redis, prefix, jobId, curvePoints(s, s, curve));
    await readUntil(30);
    controller.abort();
    await hub.close();
    expect(steps).toEqual(range(1, 30));
  });
});
