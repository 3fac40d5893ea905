import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../db/client";
import { env } from "../env";
import { createQueueSet } from "../queue/queues";
import { createRedis } from "../redis";
import { deleteKeysUnder, uniquePrefix, waitFor } from "../workers/testing";
import { startWorkerProcess } from "../../workers/runtime";
import { deliverEnding, queueEndings } from "./ended";
import { addWebhook, deleteWebhook, listWebhooks } from "./webhooks";
import { sendTestMessage } from "./webhooks-test";
import { makeVersion, removeVersions, type VersionFixture } from "../jobs/launch/test-support";

// Webhooks against Postgres, Redis (a worker process of its own on a unique prefix) and a real HTTP receiver:
// a job's ending reaches each webhook once, signed; a receiver that fails is retried and the job's log says so
// in the end; the URL never leaves the server.

type Received = { headers: http.IncomingHttpHeaders; body: string };
const received: Received[] = [];
let answer = 200;
let receiver: http.Server;
let base: string;

const db = createPrismaClient();
const redis = createRedis("client");
const prefix = uniquePrefix("notify");
const queues = createQueueSet({ connection: redis, prefix });
const jobs: string[] = [];
let fixture: VersionFixture;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(answer).end(answer === 200 ? "ok" : "the channel is archived");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  await db.webhook.deleteMany({});
  fixture = await makeVersion(db, { train: 2, validation: 2 });
});

afterAll(async () => {
  await db.webhook.deleteMany({});
  await db.fineTuneJob.deleteMany({ where: { id: { in: jobs } } });
  await db.evalRun.deleteMany({ where: { datasetVersionId: fixture.version.id } });
  await removeVersions(db, [fixture]);
  await queues.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await db.$disconnect();
  await new Promise((r) => receiver.close(r));
});

async function endedJob(status: "succeeded" | "failed", finishedAt = new Date(), extra: Record<string, unknown> = {}): Promise<string> {
  const job = await db.fineTuneJob.create({ data: { provider: "local", status, baseModel: "tiny-chat", suffix: "lr=0.01", startedAt: new Date(finishedAt.getTime() - 60_000), finishedAt, ...extra } });
  jobs.push(job.id);
  await db.metricPoint.createMany({ data: [{ jobId: job.id, step: 1, trainLoss: 2.5 }, { jobId: job.id, step: 2, trainLoss: 2.25, validLoss: 2.375 }] });
  return job.id;
}

describe("job-ending webhooks", () => {
  it("keeps the URL server-side and shows its secret once", async () => {
    const { webhook, secret } = await addWebhook({ url: `${base}/hooks/T000/B000/XyzSecretPath` });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(webhook).toMatchObject({
      urlHint: `127.0.0.1:${new URL(base).port}/…/Path`,
      events: ["job.succeeded", "job.failed", "job.cancelled", "eval.succeeded", "eval.failed", "eval.cancelled"],
      lastDelivery: null,
    });
    expect(JSON.stringify(await listWebhooks())).not.toContain("XyzSecret");
    expect(JSON.stringify(await db.webhook.findUniqueOrThrow({ where: { id: webhook.id } }))).not.toContain("XyzSecret");
    await expect(addWebhook({ url: "ftp://example.com/x" })).rejects.toMatchObject({ status: 400, message: "url: must be an http:// or https:// address." });
    await expect(addWebhook({ url: base, events: ["job.started"] })).rejects.toMatchObject({ status: 400 });
    await deleteWebhook(webhook.id);
    await expect(deleteWebhook(webhook.id)).rejects.toMatchObject({ status: 404 });
  });

  it("tells a webhook of each job that ends once, signed, through a worker process; not of endings before it was added", async () => {
    const before = await endedJob("succeeded", new Date(Date.now() - 3_600_000));
    const { webhook, secret } = await addWebhook({ url: `${base}/ended`, events: ["job.succeeded", "job.failed"] });
    const proc = await startWorkerProcess({ db, redisUrl: env().REDIS_URL, prefix, queues: ["system"], log: { info: () => {}, warn: () => {}, error: () => {} } });
    try {
      const id = await endedJob("succeeded");
      // The scheduled look (every 5 s) finds it and a delivery job posts it.
      const got = await waitFor(async () => received.find((r) => r.body.includes(id)), 20_000, "the webhook to be told");
      expect(got.headers["x-tuneforge-event"]).toBe("job.succeeded");
      expect(got.headers["x-tuneforge-delivery"]).toBe(`${webhook.id}-${id}`);
      expect(got.headers["x-tuneforge-signature"]).toBe(`sha256=${createHmac("sha256", secret).update(got.body).digest("hex")}`);
      const body = JSON.parse(got.body) as { event: string; text: string; content: string; job: Record<string, unknown> };
      expect(body.text).toBe(`tuneforge: local job tiny-chat · lr=0.01 succeeded (2 steps, training loss 2.2500, validation loss 2.3750). ${env().TUNEFORGE_URL}/jobs/${id}`);
      expect(body.content).toBe(body.text);
      expect(body.job).toMatchObject({ id, status: "succeeded", provider: "local", steps: 2, finalTrainLoss: 2.25, finalValidLoss: 2.375 });
      expect((await db.fineTuneJob.findUniqueOrThrow({ where: { id } })).notifiedAt).not.toBeNull();
      // Once: another look queues nothing for it, and the job that ended before the webhook was never sent.
      expect(await queueEndings(db, { queues })).toBe(0);
      expect(received.filter((r) => r.body.includes(id))).toHaveLength(1);
      expect(received.some((r) => r.body.includes(before))).toBe(false);
      expect((await listWebhooks())[0]!.lastDelivery).toMatchObject({ ok: true, message: "job.succeeded: 200 OK" });
    } finally {
      await proc.close();
      await deleteWebhook(webhook.id);
    }
  }, 40_000);

  it("throws for a receiver that refuses, so the delivery is retried, and logs the last try on the job", async () => {
    const { webhook } = await addWebhook({ url: `${base}/refuses` });
    answer = 410;
    try {
      const id = await endedJob("failed", new Date(), { errorMessage: "out of memory" });
      const p = { webhookId: webhook.id, id, event: "job.failed" as const };
      await expect(deliverEnding(db, p, { attemptsMade: 0 })).rejects.toThrow(/the receiver answered 410: the channel is archived/);
      expect(await db.jobEvent.count({ where: { jobId: id } })).toBe(0);
      await expect(deliverEnding(db, p, { attemptsMade: 4 })).rejects.toThrow();
      const events = await db.jobEvent.findMany({ where: { jobId: id } });
      expect(events.map((e) => [e.level, e.message])).toEqual([
        ["warning", `The webhook ${webhook.urlHint} was not told that this job ended: the receiver answered 410: the channel is archived (5 tries). Check it in Settings → Notifications.`],
      ]);
      expect(JSON.parse(received.at(-1)!.body).text).toMatch(/^tuneforge: local job tiny-chat · lr=0\.01 failed: out of memory \(2 steps/);
      expect((await listWebhooks())[0]!.lastDelivery).toMatchObject({ ok: false });
      // A test message says how the receiver took it.
      answer = 200;
      expect(await sendTestMessage(webhook.id)).toMatchObject({ ok: true, status: 200 });
      expect(JSON.parse(received.at(-1)!.body)).toMatchObject({ event: "ping", job: null });
      // A webhook deleted meanwhile is skipped, not retried.
      await deleteWebhook(webhook.id);
      expect(await deliverEnding(db, p, { attemptsMade: 0 })).toEqual({ skipped: "the webhook was deleted" });
    } finally {
      answer = 200;
      await db.webhook.deleteMany({ where: { id: webhook.id } });
    }
  });

  it("tells a webhook that wants evaluation endings of a run that ended, with its win rate and metric deltas", async () => {
    const { webhook } = await addWebhook({ url: `${base}/evals`, events: ["eval.succeeded"] });
    try {
      const run = await db.evalRun.create({
        data: {
          status: "succeeded",
          name: "lr sweep winner",
          datasetVersionId: fixture.version.id,
          candidateSpec: "job:cmcandidate",
          baselineSpec: "openai:gpt-4o-mini",
          judgeSpec: "openai:gpt-4o",
          startedAt: new Date(Date.now() - 60_000),
          finishedAt: new Date(),
          summary: { n: 200, winRate: { candidate: 0.62, ci: [0.55, 0.69] }, metrics: { exactMatch: { candidate: 0.5, baseline: 0.38, delta: 0.12, ci: [0.05, 0.19], n: 200 } } },
        },
      });
      // A job that ended meanwhile is not this webhook's business (it asked for evaluation endings only).
      const job = await endedJob("succeeded");
      expect(await queueEndings(db, { queues })).toBe(1);
      expect(await queues.get("system").getJob(`webhook-${webhook.id}-${run.id}`)).toBeTruthy();
      expect((await db.evalRun.findUniqueOrThrow({ where: { id: run.id } })).notifiedAt).not.toBeNull();
      expect((await db.fineTuneJob.findUniqueOrThrow({ where: { id: job } })).notifiedAt).not.toBeNull();

      await deliverEnding(db, { webhookId: webhook.id, id: run.id, event: "eval.succeeded" }, { attemptsMade: 0 });
      const body = JSON.parse(received.at(-1)!.body) as { text: string; job: unknown; evaluation: Record<string, unknown> };
      expect(body.text).toBe(
        `tuneforge: evaluation lr sweep winner on ${fixture.datasetName} v${fixture.version.number} succeeded: the candidate wins 62.0 % (95 % CI 55.0–69.0 %); Exact match +12.0 pts over 200 samples. ${env().TUNEFORGE_URL}/evaluations/${run.id}`,
      );
      expect(body.job).toBeNull();
      expect(body.evaluation).toMatchObject({ id: run.id, status: "succeeded", candidate: "job:cmcandidate", baseline: "openai:gpt-4o-mini", samples: 200, winRate: { candidate: 0.62 } });
    } finally {
      await deleteWebhook(webhook.id);
    }
  });
});
