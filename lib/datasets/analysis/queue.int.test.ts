import { randomBytes } from "node:crypto";
import { Worker } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../db/client";
import { createProcessor } from "../../queue/dispatch";
import { createQueueSet } from "../../queue/queues";
import { createRedis } from "../../redis";
import { countChatExampleTokens } from "../../tokens/count";
import { deleteKeysUnder, uniquePrefix, waitFor } from "../../workers/testing";
import type { ConvertedRecord } from "../formats";
import { newExampleRow } from "../rows/build";
import { getAnalysisProgress } from "./progress";
import { requestStaleAnalyses } from "./reconcile";
import { analyzeDataset } from "./run";
import { updateDatasetSettings } from "./settings";

// The analysis through real BullMQ (own queue prefix, real Redis): re-requested at worker start, run by a
// Worker on the `datasets` queue, and requested again by a count-model change.

const db = createPrismaClient();
const redis = createRedis("client");
const prefix = uniquePrefix("analysis");
const queues = createQueueSet({ connection: redis, prefix });
const tag = randomBytes(4).toString("hex");
const created: string[] = [];
let worker: Worker | null = null;
let workerRedis: ReturnType<typeof createRedis> | null = null;

afterAll(async () => {
  await worker?.close();
  await workerRedis?.quit();
  await db.dataset.deleteMany({ where: { id: { in: created } } });
  await queues.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await db.$disconnect();
});

const record = (user: string, assistant: string) => ({ kind: "chat", example: { messages: [{ role: "user", content: user }, { role: "assistant", content: assistant }] } }) as ConvertedRecord;

async function makeDataset(n: number) {
  const ds = await db.dataset.create({ data: { name: `analysis-queue-${tag}-${created.length}` } });
  created.push(ds.id);
  await db.example.createMany({ data: Array.from({ length: n }, (_, i) => newExampleRow(record(`Question ${i} about résumé 👋 <|endoftext|>`, `Answer ${i}`), { datasetId: ds.id, position: i })) });
  return ds;
}

function startWorker() {
  const processor = createProcessor("datasets", {
    "datasets.analyze": (p) => analyzeDataset({ db, datasetId: p.datasetId, revision: p.revision, threads: 1 }),
    "datasets.import": async () => undefined,
  });
  workerRedis = createRedis("bullmq");
  worker = new Worker("datasets", processor, { connection: workerRedis, prefix, concurrency: 2 });
}

describe("analysis jobs", () => {
  it("re-requests unanalysed datasets at start, runs them on the datasets queue, and recounts after a count-model change", async () => {
    const ds = await makeDataset(12);
    const done = await db.dataset.create({ data: { name: `analysis-queue-${tag}-done`, revision: 2, analyzedRevision: 2 } });
    created.push(done.id);

    const first = await requestStaleAnalyses({ db, queues });
    expect(first).toContainEqual({ datasetId: ds.id, revision: 0, outcome: "enqueued" });
    expect(first.map((s) => s.datasetId)).not.toContain(done.id);
    // Still waiting: asked again, it is left alone (one job per revision).
    expect(await requestStaleAnalyses({ db, queues })).toContainEqual({ datasetId: ds.id, revision: 0, outcome: "present" });
    expect(await getAnalysisProgress({ db, datasetId: ds.id })).toMatchObject({ pending: true, counted: 0, total: 12, revision: 0, analyzedRevision: null, error: null });

    startWorker();
    const analysed = await waitFor(async () => {
      const p = await getAnalysisProgress({ db, datasetId: ds.id });
      return p && !p.pending ? p : undefined;
    }, 25_000, "the analysis job");
    expect(analysed).toMatchObject({ pending: false, counted: 12, total: 12, analyzedRevision: 0, countModel: "gpt-4o-mini-2024-07-18", tokenLimit: 65_536 });
    const o200k = await db.example.findMany({ where: { datasetId: ds.id }, orderBy: { position: "asc" } });
    expect(o200k[0]!.tokenCount).toBe(countChatExampleTokens({ messages: o200k[0]!.messages as unknown[] }, "gpt-4o-mini"));

    // PATCH countModel: counts cleared and the revision bumped in one transaction, then recounted with cl100k.
    const updated = await updateDatasetSettings({ id: ds.id, changes: { countModel: "gpt-3.5-turbo-0125" }, db, queues });
    expect(updated).toMatchObject({ countModel: "gpt-3.5-turbo-0125", revision: 1, recount: true });
    const recounted = await waitFor(async () => {
      const p = await getAnalysisProgress({ db, datasetId: ds.id });
      return p && p.analyzedRevision === 1 ? p : undefined;
    }, 25_000, "the recount");
    expect(recounted).toMatchObject({ counted: 12, total: 12, tokenLimit: 16_385, countModel: "gpt-3.5-turbo-0125" });
    const cl100k = await db.example.findMany({ where: { datasetId: ds.id }, orderBy: { position: "asc" } });
    for (const row of cl100k) expect(row.tokenCount).toBe(countChatExampleTokens({ messages: row.messages as unknown[] }, "gpt-3.5-turbo"));
    // The emoji/accents encode differently in the two tokenizers, so the recount really changed something.
    expect(cl100k.map((r) => r.tokenCount)).not.toEqual(o200k.map((r) => r.tokenCount));
  });

  it("rejects an unknown count model with a message naming the field's choices, changing nothing", async () => {
    const ds = await makeDataset(1);
    await expect(updateDatasetSettings({ id: ds.id, changes: { countModel: "gpt-99" }, db, queues })).rejects.toMatchObject({
      status: 400,
      code: "unknown_count_model",
      message: expect.stringMatching(/"gpt-99" is not a model tuneforge can count tokens for; pick one of .*gpt-4o-mini-2024-07-18/),
    });
    expect(await db.dataset.findUniqueOrThrow({ where: { id: ds.id } })).toMatchObject({ revision: 0, countModel: "gpt-4o-mini-2024-07-18" });
    // Renaming alone is no recount.
    expect(await updateDatasetSettings({ id: ds.id, changes: { name: `renamed-${tag}`, description: "d" }, db, queues })).toMatchObject({ name: `renamed-${tag}`, description: "d", revision: 0, recount: false });
  });
});
