import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as cancelRoute from "../../app/api/evals/[id]/cancel/route";
import { createPrismaClient } from "../db/client";
import { exampleContentHash } from "../datasets/content-hash";
import { dataDir } from "../env";
import { createFrozenVersion, deleteFrozenVersions, type LocalVersionFixture } from "../jobs/local/test-support";
import { closeQueues, createQueueSet } from "../queue/queues";
import { createRedis } from "../redis";
import { deleteKeysUnder, uniquePrefix } from "../workers/testing";
import { storeTestOpenAIKey } from "./testing";
import { cancelEval } from "./cancel";
import { createEval } from "./create";
import { closeEvalLiveRedis } from "./live";

// createEval against Postgres and Redis (no worker): what a run and its samples hold when it is created, the
// warnings, the queue it lands on, sweeps, and the refusals that name the field.

const db = createPrismaClient();
const redis = createRedis("client");
const prefix = uniquePrefix("eval-create");
const queues = createQueueSet({ connection: redis, prefix });
const fixtures: LocalVersionFixture[] = [];
let removeKey: () => Promise<void>;

beforeAll(async () => {
  removeKey = await storeTestOpenAIKey(db);
});

afterAll(async () => {
  await removeKey();
  const versionIds = fixtures.map((f) => f.versionId);
  await db.evalRun.deleteMany({ where: { datasetVersionId: { in: versionIds } } });
  await db.checkpoint.deleteMany({ where: { job: { datasetVersionId: { in: versionIds } } } });
  await db.example.deleteMany({ where: { datasetId: { in: fixtures.map((f) => f.datasetId) } } });
  for (const f of fixtures) await rm(path.join(dataDir(), "datasets", f.datasetId), { recursive: true, force: true });
  await deleteFrozenVersions(db, fixtures);
  await queues.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await closeEvalLiveRedis();
  await closeQueues();
  await db.$disconnect();
});

const chat = (q: string, a?: string) => ({ messages: [{ role: "user", content: q }, ...(a === undefined ? [] : [{ role: "assistant", content: a }])] });
const jsonl = (lines: object[]) => lines.map((l) => JSON.stringify(l)).join("\n") + "\n";

async function version(train: object[], validation: object[]): Promise<LocalVersionFixture> {
  const f = await createFrozenVersion(db, dataDir(), { name: "eval-create", train: jsonl(train), validation: validation.length ? jsonl(validation) : undefined });
  fixtures.push(f);
  return f;
}

describe("createEval", () => {
  it("writes one sample per held-out line (prompt without the final reply, expected = that reply, tags by content hash), warns and enqueues on eval", async () => {
    const train = [chat("q1", "a1"), chat("q2", "a2"), chat("shared", "x")];
    const validation = [chat("shared", "x"), chat("v1", "b1"), chat("no reply"), chat("v2", "b2")];
    const f = await version(train, validation);
    await db.example.create({ data: { datasetId: f.datasetId, position: 0, split: "validation", tags: ["refunds", "format"], messages: validation[1]!.messages, contentHash: exampleContentHash({ messages: validation[1]!.messages }) } });
    const job = await db.fineTuneJob.create({ data: { provider: "openai", status: "succeeded", baseModel: "gpt-4o-mini-2024-07-18", fineTunedModel: "ft:gpt-4o-mini-2024-07-18:org::abc", datasetVersionId: f.versionId } });

    const res = await createEval({ datasetVersionId: f.versionId, candidate: `job:${job.id}`, baseline: "openai:gpt-4o-mini-2024-07-18", rubric: "Be strict." }, { db, queues });
    expect(res.runIds).toHaveLength(1);
    expect(res.warnings).toEqual([
      "1 line of the validation split (line 3) ends without an assistant reply and was skipped: there is no expected answer to compare against.",
      expect.stringMatching(/^1 held-out prompt of 3 also appears in the training data of job /),
    ]);
    const run = await db.evalRun.findUniqueOrThrow({ where: { id: res.runIds[0] }, include: { samples: { orderBy: { index: "asc" } } } });
    expect(run).toMatchObject({ status: "queued", split: "validation", jobId: job.id, candidateSpec: `job:${job.id}`, rubric: "Be strict.", concurrency: 8, warnings: res.warnings, sweepId: null });
    expect(run.generation).toEqual({ temperature: 0, topP: 1, maxTokens: 512, seed: 0 });
    expect(run.samples.map((s) => [s.index, s.prompt, s.expected, s.tags])).toEqual([
      [0, [{ role: "user", content: "shared" }], "x", []],
      [1, [{ role: "user", content: "v1" }], "b1", ["format", "refunds"]],
      [2, [{ role: "user", content: "v2" }], "b2", []],
    ]);
    const queued = await queues.get("eval").getJob(`eval-${run.id}`);
    expect(queued?.data).toEqual({ evalRunId: run.id });

    // limit takes the first N, in file order.
    const limited = await createEval({ datasetVersionId: f.versionId, candidate: "openai:a", baseline: "openai:b", limit: 2 }, { db, queues });
    expect(await db.evalSample.count({ where: { evalRunId: limited.runIds[0] } })).toBe(2);

    // Cancel: a queued run is cancelled at once and leaves the queue; a second cancel is a no-op.
    await cancelEval(run.id, { db });
    expect((await db.evalRun.findUniqueOrThrow({ where: { id: run.id } })).status).toBe("cancelled");
    await cancelEval(run.id, { db });
    await expect(cancelEval("nope", { db })).rejects.toMatchObject({ status: 404 });

    // POST /api/evals/[id]/cancel: the same through the route (a finished run → 409 naming its status).
    const call = (id: string) => cancelRoute.POST(new Request(`http://localhost/api/evals/${id}/cancel`, { method: "POST" }), { params: Promise.resolve({ id }) });
    const ok = await call(limited.runIds[0]!);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ id: limited.runIds[0], status: "cancelled" });
    await db.evalRun.update({ where: { id: run.id }, data: { status: "succeeded" } });
    const done = await call(run.id);
    expect(done.status).toBe(409);
    expect((await done.json()).error).toMatchObject({ code: "eval_finished", message: `Evaluation ${run.id} already succeeded; there is nothing to cancel.` });
  });

  it("refuses a version without the split, an empty split, a judge that runs locally, and a sweep of a non-job", async () => {
    const f = await version([chat("q", "a")], []);
    const base = { datasetVersionId: f.versionId, candidate: "openai:a", baseline: "openai:b" };
    await expect(createEval(base, { db, queues })).rejects.toMatchObject({ status: 400, details: { field: "split" } });
    const onlyPrompts = await version([chat("q", "a")], [chat("no reply")]);
    await expect(createEval({ ...base, datasetVersionId: onlyPrompts.versionId }, { db, queues })).rejects.toMatchObject({ status: 400, code: "no_samples" });
    await expect(createEval({ ...base, split: "train", judge: "local:tiny" }, { db, queues })).rejects.toMatchObject({ status: 400, details: { field: "judge" } });
    await expect(createEval({ ...base, split: "train", sweepCheckpoints: true }, { db, queues })).rejects.toMatchObject({ status: 400, details: { field: "sweepCheckpoints" } });
    await expect(createEval({ ...base, split: "train", extra: 1 }, { db, queues })).rejects.toMatchObject({ status: 400, code: "invalid_eval_request" });
    // Without an OpenAI key an openai: side could only fail on the worker: refused now, naming the side.
    await removeKey();
    await expect(createEval({ ...base, split: "train", candidate: "endpoint:http://127.0.0.1:9/v1#m" }, { db, queues })).rejects.toMatchObject({
      status: 400,
      code: "openai_not_configured",
      details: { field: "baseline" },
      message: "baseline: openai:b runs on OpenAI, and no OpenAI API key is configured. Add one in Settings or set OPENAI_API_KEY.",
    });
    removeKey = await storeTestOpenAIKey(db);
  });
});
