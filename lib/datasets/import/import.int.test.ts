import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../db/client";
import { createQueueSet } from "../../queue/queues";
import { createRedis } from "../../redis";
import { deleteKeysUnder, uniquePrefix } from "../../workers/testing";
import { createDataset } from "../create";
import { exampleRecord } from "../export";
import { cancelImport, confirmImport, getImport } from "./manage";
import { runDatasetImport, stagedFilePath } from "./run";
import { stageUpload } from "./stage";
import { bytesBody, fileBody } from "./testing";
import type { ImportOptions } from "./types";

const db = createPrismaClient();
const redis = createRedis("client");
const prefix = uniquePrefix("import");
const queues = createQueueSet({ connection: redis, prefix });
const datasetIds: string[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "tf-import-"));
});
afterAll(async () => {
  await db.dataset.deleteMany({ where: { id: { in: datasetIds } } });
  await queues.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await db.$disconnect();
  await rm(dir, { recursive: true, force: true });
});

const chat = (i: number) => JSON.stringify({ messages: [{ role: "user", content: `Question ${i}?` }, { role: "assistant", content: `Answer ${i}.` }] });

async function newDataset(label: string) {
  const d = await createDataset({ name: `import-${label}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`, db });
  datasetIds.push(d.id);
  return d;
}

/** Stages a file like the upload route does, then runs the import job in-process. */
async function importText(datasetId: string, fileName: string, text: string | Buffer, options: Partial<ImportOptions> = {}) {
  const staged = await stageUpload({ datasetId, fileName, options: { format: "auto", skipInvalid: false, split: "train", ...options }, body: bytesBody(text), db, queues });
  if (staged.status === "importing") await runDatasetImport({ db, importId: staged.id, queues });
  return getImport({ datasetId, importId: staged.id, db });
}

const rowsOf = (datasetId: string) => db.example.findMany({ where: { datasetId }, orderBy: { position: "asc" } });

describe("import pipeline", () => {
  it("imports a 10k-line file: counts, positions, sources and a spot-checked row", async () => {
    const d = await newDataset("10k");
    const lines = Array.from({ length: 10_000 }, (_, i) => chat(i));
    const file = path.join(dir, "ten-k.jsonl");
    await writeFile(file, lines.join("\n") + "\n");
    const staged = await stageUpload({ datasetId: d.id, fileName: "ten-k.jsonl", options: { format: "auto", skipInvalid: false, split: "train" }, body: fileBody(file), db, queues });
    expect(staged).toMatchObject({ status: "importing", bytes: Buffer.byteLength(lines.join("\n") + "\n") });
    expect(await queues.get("datasets").getJob(`import-${staged.id}`)).toBeTruthy();
    await runDatasetImport({ db, importId: staged.id, queues });
    const done = await getImport({ datasetId: d.id, importId: staged.id, db });
    expect(done).toMatchObject({ status: "succeeded", imported: 10_000, skipped: 0, lines: 10_000, format: "openai-chat", bytesRead: staged.bytes });
    expect(existsSync(stagedFilePath(`imports/${staged.id}/upload`))).toBe(false);
    expect(await db.example.count({ where: { datasetId: d.id } })).toBe(10_000);
    const row = await db.example.findFirst({ where: { datasetId: d.id, position: 4321 } });
    expect(row).toMatchObject({ source: "ten-k.jsonl:4322", split: "train", kind: "chat", messageCount: 2, promptPreview: "Question 4321?", replyPreview: "Answer 4321.", errorCount: 0, tokenCount: null });
    expect(row!.messages).toEqual([{ role: "user", content: "Question 4321?" }, { role: "assistant", content: "Answer 4321." }]);
    const ds = await db.dataset.findUnique({ where: { id: d.id } });
    expect(ds!.revision).toBe(1);
    // The analysis of the new revision was requested.
    expect(await queues.get("datasets").getJob(`analyze-${d.id}-r1`)).toBeTruthy();

    // A second import appends after the first.
    const more = await importText(d.id, "more.jsonl", chat(1) + "\n" + chat(2) + "\n");
    expect(more.status).toBe("succeeded");
    const last = await db.example.findFirst({ where: { datasetId: d.id }, orderBy: { position: "desc" } });
    expect(last).toMatchObject({ position: 10_001, source: "more.jsonl:2" });
  });
});
