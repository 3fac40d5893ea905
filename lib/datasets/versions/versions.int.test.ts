import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../db/client";
import { createQueueSet, type QueueSet } from "../../queue/queues";
import { countChatExampleTokens } from "../../tokens/count";
import { convertRecord, detectFormat } from "../formats";
import { newExampleRow } from "../rows/build";
import { diffDataset } from "./diff";
import { exportDownload, type ExportSource, type ExportSplitChoice } from "./export";
import { freezeVersion } from "./freeze";
import { getVersion, listVersions } from "./list";
import { resplitDataset, splitSummary } from "./resplit";

// Versions and export against the real database, real files and real Redis: the round trip must be byte for
// byte, a frozen version must never move, and a re-split must ask for a new analysis (leakage depends on splits).

const db = createPrismaClient();
let root: string;
let queues: QueueSet;
const datasetIds: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "tf-versions-"));
  queues = createQueueSet({ prefix: `tf-versions-${randomUUID()}` });
});
afterAll(async () => {
  await db.datasetVersion.deleteMany({ where: { datasetId: { in: datasetIds } } });
  await db.dataset.deleteMany({ where: { id: { in: datasetIds } } });
  await db.$disconnect();
  await queues.close();
  await rm(root, { recursive: true, force: true });
});

/** Lines of OpenAI JSONL into a new dataset, the way the importer stores them (one format per line). */
async function importLines(lines: string[], splits?: ("train" | "validation" | "test")[]) {
  const ds = await db.dataset.create({ data: { name: `versions-${randomUUID()}` } });
  datasetIds.push(ds.id);
  const rows = lines.map((line, i) => {
    const record = JSON.parse(line) as unknown;
    const format = detectFormat([record]);
    if (!format) throw new Error(`line ${i + 1}: unknown format`);
    const converted = convertRecord(record, format, i + 1);
    if ("error" in converted) throw new Error(converted.error.message);
    return newExampleRow(converted, { datasetId: ds.id, position: i, split: splits?.[i] ?? "train", source: `test.jsonl:${i + 1}` });
  });
  await db.example.createMany({ data: rows });
  return ds;
}

async function download(datasetId: string, source: ExportSource, split: ExportSplitChoice): Promise<string> {
  const { body } = await exportDownload({ datasetId, source, split }, { db, root });
  return new Response(body).text();
}

const linesOf = (text: string) => text.split("\n").filter((l) => l !== "");
const chat = (user: string, assistant: string) => JSON.stringify({ messages: [{ role: "user", content: user }, { role: "assistant", content: assistant }] });

const weather = {
  type: "function",
  function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};

const ORIGINAL = [
  JSON.stringify({
    messages: [
      { role: "system", content: "You are TechCorp support." },
      { role: "user", content: "My router blinks red." },
      { role: "assistant", content: "Unplug it for 10 s.", weight: 0 },
      { role: "user", content: "Still red." },
      { role: "assistant", content: "Then call us — ticket opened ✓" },
    ],
  }),
  JSON.stringify({
    messages: [
      { role: "user", content: "Weather in Paris and Rome?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          { id: "call_2", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "18°C" },
      { role: "tool", tool_call_id: "call_2", content: "24°C" },
      { role: "assistant", content: "Paris 18°C, Rome 24°C." },
    ],
    tools: [weather],
    parallel_tool_calls: true,
  }),
  JSON.stringify({
    messages: [
      { role: "user", content: [{ type: "text", text: "What is on this label?" }, { type: "image_url", image_url: { url: "https://example.com/label.png", detail: "low" } }] },
      { role: "assistant", content: "Model TC-400, serial 12345." },
    ],
  }),
  JSON.stringify({
    input: { messages: [{ role: "user", content: "Summarize our refund policy." }] },
    preferred_output: [{ role: "assistant", content: "Refunds within 30 days with a receipt." }],
    non_preferred_output: [{ role: "assistant", content: "No idea." }],
  }),
  chat("How do I reset my password?", "Use Settings → Security → Reset."),
];

describe("export round trip", () => {
  it("import → export → import → export is byte-identical, tools, extra keys, weights, images and DPO included", async () => {
    const a = await importLines(ORIGINAL);
    const exportA = await download(a.id, "working", "all");
    // Same examples as the file (key order inside messages is Postgres jsonb's, so compare as JSON here)…
    expect(linesOf(exportA).map((l) => JSON.parse(l))).toEqual(ORIGINAL.map((l) => JSON.parse(l)));
    // …and from then on the bytes are fixed.
    const b = await importLines(linesOf(exportA));
    const exportB = await download(b.id, "working", "all");
    expect(exportB).toBe(exportA);
    expect(exportA.endsWith("\n")).toBe(true);
    expect(linesOf(exportA)[1]).toContain('"parallel_tool_calls":true');
  });

  it("exports one split of the working set and streams past one keyset batch in table order", async () => {
    const lines = Array.from({ length: 1203 }, (_, i) => chat(`question ${i}`, `answer ${i}`));
    const ds = await importLines(lines, lines.map((_, i) => (i % 3 === 0 ? "validation" : "train")));
    const validation = linesOf(await download(ds.id, "working", "validation"));
    expect(validation).toHaveLength(401);
    expect(JSON.parse(validation[400]!).messages[0].content).toBe("question 1200");
    const all = linesOf(await download(ds.id, "working", "all"));
    expect(all).toHaveLength(1203);
  });
});

describe("versions", () => {
  it("a frozen version never changes: files, sha256 and export stay; the diff to the working set shows the edits", async () => {
    const ds = await importLines([chat("a", "1"), chat("b", "2"), chat("c", "3"), chat("d", "4")], ["train", "train", "validation", "train"]);
    const v1 = await freezeVersion(ds.id, "  first cut  ", { db, root });
    expect(v1).toMatchObject({ number: 1, note: "first cut", trainCount: 3, validationCount: 1, exampleCount: 4, jobCount: 0, evalRunCount: 0 });
    const trainBefore = await download(ds.id, 1, "train");
    const allBefore = await download(ds.id, 1, "all");
    // "all" of a version is exactly the byte stream its sha256 covers.
    expect(createHash("sha256").update(allBefore).digest("hex")).toBe(v1.sha256);
    expect(linesOf(trainBefore)).toHaveLength(3);

    const rows = await db.example.findMany({ where: { datasetId: ds.id }, orderBy: { position: "asc" } });
    await db.example.update({ where: { id: rows[0]!.id }, data: { messages: [{ role: "user", content: "a" }, { role: "assistant", content: "1, edited" }] } });
    await db.example.delete({ where: { id: rows[1]!.id } });
    const converted = convertRecord(JSON.parse(chat("e", "5")), "openai-chat", 1);
    if ("error" in converted) throw new Error(converted.error.message);
    await db.example.create({ data: newExampleRow(converted, { datasetId: ds.id, position: 10 }) });

    expect(await download(ds.id, 1, "train")).toBe(trainBefore);
    expect(await download(ds.id, 1, "all")).toBe(allBefore);
    expect((await getVersion(ds.id, 1, { db })).sha256).toBe(v1.sha256);

    const diff = await diffDataset({ datasetId: ds.id, from: 1, to: "working" }, { db, root });
    expect(diff.counts).toEqual({ added: 1, removed: 1, changed: 1, unchanged: 2 });
    expect(diff.added[0]).toMatchObject({ split: "train", prompt: "e", reply: "5" });
    expect(diff.removed[0]).toMatchObject({ prompt: "b", reply: "2" });
    expect(diff.changed[0]).toMatchObject({ before: { reply: "1" }, after: { reply: "1, edited" }, changes: ["1"] });

    const v2 = await freezeVersion(ds.id, undefined, { db, root });
    expect(v2.number).toBe(2);
    expect((await listVersions(ds.id, { db })).map((v) => v.number)).toEqual([2, 1]);
    expect((await diffDataset({ datasetId: ds.id, from: 2, to: "working" }, { db, root })).counts).toMatchObject({ added: 0, removed: 0, changed: 0, unchanged: 4 });
    const v1v2 = await diffDataset({ datasetId: ds.id, from: 1, to: 2 }, { db, root });
    expect(v1v2.counts).toEqual(diff.counts);
  });

  it("counts a version's tokens with the dataset's count model, whatever the analysis has done", async () => {
    const ds = await importLines([chat("Ünïcödé — façade 東京", "naïve café 🚀")]);
    await db.dataset.update({ where: { id: ds.id }, data: { countModel: "gpt-3.5-turbo-0125" } });
    const v = await freezeVersion(ds.id, undefined, { db, root });
    const messages = JSON.parse(chat("Ünïcödé — façade 東京", "naïve café 🚀")).messages;
    expect(v.tokenCount).toBe(countChatExampleTokens({ messages }, "gpt-3.5-turbo-0125"));
    expect(v.tokenCount).not.toBe(countChatExampleTokens({ messages }, "gpt-4o-mini-2024-07-18"));
  });

  it("refuses to freeze while examples have errors, saying how many", async () => {
    const ds = await importLines([chat("a", "1"), chat("b", "2"), chat("c", "3")]);
    const rows = await db.example.findMany({ where: { datasetId: ds.id } });
    await db.example.updateMany({ where: { id: { in: [rows[0]!.id, rows[1]!.id] } }, data: { errorCount: 1 } });
    await expect(freezeVersion(ds.id, "x", { db, root })).rejects.toMatchObject({
      status: 409,
      code: "examples_have_errors",
      message: expect.stringMatching(/^2 examples have errors; fix or delete them first/),
    });
    expect(await db.datasetVersion.count({ where: { datasetId: ds.id } })).toBe(0);
  });

  it("answers clear errors for an unknown version, a test split of a version and a self-diff", async () => {
    const ds = await importLines([chat("a", "1")]);
    await expect(download(ds.id, 7, "train")).rejects.toMatchObject({ status: 404, message: expect.stringContaining("Version 7") });
    await freezeVersion(ds.id, undefined, { db, root });
    await expect(download(ds.id, 1, "test")).rejects.toMatchObject({ status: 400 });
    expect(await download(ds.id, 1, "validation")).toBe("");
    await expect(diffDataset({ datasetId: ds.id, from: 1, to: 1 }, { db, root })).rejects.toMatchObject({ status: 400 });
  });
});

describe("re-split", () => {
  it("previews without writing, applies in one change that requests analysis, keeps manual rows unless reset", async () => {
    const ds = await importLines(Array.from({ length: 20 }, (_, i) => chat(`q${i}`, `a${i}`)));
    const rows = await db.example.findMany({ where: { datasetId: ds.id }, orderBy: { position: "asc" } });
    await db.example.update({ where: { id: rows[0]!.id }, data: { split: "test", splitManual: true } });
    const options = { datasetId: ds.id, validationRatio: 0.25, seed: 7, stratifyByTag: false };

    const preview = await resplitDataset({ ...options, preview: true }, { db, queues });
    expect(preview).toEqual({ train: 14, validation: 5, kept: 1, totals: { train: 14, validation: 5, test: 1 }, preview: true });
    expect((await db.dataset.findUniqueOrThrow({ where: { id: ds.id } })).revision).toBe(0);
    expect(await splitSummary(ds.id, { db })).toEqual({ train: 19, validation: 0, test: 1, manual: 1, total: 20 });

    const applied = await resplitDataset(options, { db, queues });
    expect(applied).toEqual({ ...preview, preview: false });
    expect(await splitSummary(ds.id, { db })).toEqual({ train: 14, validation: 5, test: 1, manual: 1, total: 20 });
    const revision = (await db.dataset.findUniqueOrThrow({ where: { id: ds.id } })).revision;
    expect(revision).toBe(1);
    const job = await queues.get("datasets").getJob(`analyze-${ds.id}-r1`);
    expect(job?.data).toEqual({ datasetId: ds.id, revision: 1 });

    const reset = await resplitDataset({ ...options, resetManual: true }, { db, queues });
    expect(reset).toMatchObject({ kept: 0, totals: { train: 15, validation: 5, test: 0 } });
    expect(await splitSummary(ds.id, { db })).toEqual({ train: 15, validation: 5, test: 0, manual: 0, total: 20 });
    expect(await queues.get("datasets").getJob(`analyze-${ds.id}-r2`)).toBeTruthy();
  });
});
