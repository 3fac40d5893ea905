import { Worker } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../db/client";
import { env } from "../../env";
import { createQueueSet } from "../../queue/queues";
import { createRedis } from "../../redis";
import { deleteKeysUnder, uniquePrefix, waitFor } from "../../workers/testing";
import { createDataset } from "../create";
import { confirmImport, getImport } from "./manage";
import { runDatasetImport } from "./run";
import { stageUpload } from "./stage";
import { bytesBody } from "./testing";

// The import job through a real BullMQ worker on Redis: upload → queued → worker → committed, and the
// review round trip (the confirm re-queues under the same deterministic job id).

const db = createPrismaClient();
const redis = createRedis("client");
const workerRedis = createRedis("bullmq");
const prefix = uniquePrefix("import-worker");
const queues = createQueueSet({ connection: redis, prefix });
const datasetIds: string[] = [];

afterAll(async () => {
  await db.dataset.deleteMany({ where: { id: { in: datasetIds } } });
  await queues.close();
  await deleteKeysUnder(redis, prefix);
  await Promise.all([redis.quit(), workerRedis.quit()]);
  await db.$disconnect();
});

describe("datasets.import on a BullMQ worker", () => {
  it("imports an upload, and after review the valid lines", async () => {
    expect(env().REDIS_URL).toBeTruthy();
    const worker = new Worker("datasets", async (job) => (job.name === "datasets.import" ? runDatasetImport({ db, importId: job.data.importId, queues }) : null), {
      connection: workerRedis,
      prefix,
    });
    try {
      const d = await createDataset({ name: `worker-${Date.now()}`, db });
      datasetIds.push(d.id);
      const line = (i: number) => JSON.stringify({ messages: [{ role: "user", content: `q${i}` }, { role: "assistant", content: `a${i}` }] });
      const text = [line(1), line(2), "{oops", line(3)].join("\n");
      const staged = await stageUpload({ datasetId: d.id, fileName: "w.jsonl", options: { format: "auto", skipInvalid: false, split: "validation" }, body: bytesBody(text), db, queues });
      const status = (s: string) => async () => ((await getImport({ datasetId: d.id, importId: staged.id, db })).status === s ? true : undefined);
      await waitFor(status("needs_review"), 15_000, "the worker to refuse the file");
      await confirmImport({ datasetId: d.id, importId: staged.id, db, queues });
      await waitFor(status("succeeded"), 15_000, "the worker to import the valid lines");
      const rows = await db.example.findMany({ where: { datasetId: d.id }, orderBy: { position: "asc" } });
      expect(rows.map((r) => [r.source, r.split])).toEqual([
        ["w.jsonl:1", "validation"],
        ["w.jsonl:2", "validation"],
        ["w.jsonl:4", "validation"],
      ]);
    } finally {
      await worker.close();
    }
  });
});
