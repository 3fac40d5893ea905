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

  it("refuses a file with invalid lines, writes nothing, then imports only the valid lines when confirmed", async () => {
    const d = await newDataset("review");
    const lines = Array.from({ length: 12 }, (_, i) => chat(i));
    lines.splice(2, 0, '{"messages": [');
    lines.splice(6, 0, JSON.stringify({ messages: [{ role: "user", content: 42 }, { role: "assistant", content: "x" }] }));
    lines.splice(8, 0, '{"messages": [{"role": "user", "content": "a", "content": "b"}, {"role": "assistant", "content": "c"}]}');
    const refused = await importText(d.id, "mixed.jsonl", lines.join("\n"));
    expect(refused.status).toBe("needs_review");
    expect(refused.report).toMatchObject({ validLines: 12, invalidLines: 3, invalidLineNumbers: [3, 7, 9] });
    expect(refused.report!.errors.map((e) => [e.line, e.code])).toEqual([
      [3, "invalid_json"],
      [7, "invalid_content"],
      [9, "duplicate_key"],
    ]);
    expect(refused.report!.errors[1]!.message).toMatch(/content .*42.*quote it/);
    expect(await db.example.count({ where: { datasetId: d.id } })).toBe(0);
    expect((await db.dataset.findUnique({ where: { id: d.id } }))!.revision).toBe(0);
    expect(existsSync(stagedFilePath(`imports/${refused.id}/upload`))).toBe(true);

    const confirmed = await confirmImport({ datasetId: d.id, importId: refused.id, db, queues });
    expect(confirmed).toMatchObject({ status: "importing", options: { skipInvalid: true } });
    // The first run's job was replaced by a fresh one.
    expect(await (await queues.get("datasets").getJob(`import-${refused.id}`))!.getState()).toBe("waiting");
    await runDatasetImport({ db, importId: refused.id, queues });
    const done = await getImport({ datasetId: d.id, importId: refused.id, db });
    expect(done).toMatchObject({ status: "succeeded", imported: 12, skipped: 3 });
    const rows = await rowsOf(d.id);
    expect(rows.map((r) => r.source).slice(0, 4)).toEqual(["mixed.jsonl:1", "mixed.jsonl:2", "mixed.jsonl:4", "mixed.jsonl:5"]);
    expect(rows.map((r) => r.position)).toEqual(Array.from({ length: 12 }, (_, i) => i));

    // A retry of the finished job (a worker that died after commit) does nothing.
    expect(await runDatasetImport({ db, importId: refused.id, queues })).toMatchObject({ ran: false, status: "succeeded" });
    expect(await db.example.count({ where: { datasetId: d.id } })).toBe(12);
    await expect(confirmImport({ datasetId: d.id, importId: refused.id, db, queues })).rejects.toThrow(/succeeded, not waiting/);
  });

  it("imports the valid lines straight away with skipInvalid", async () => {
    const d = await newDataset("skip");
    const done = await importText(d.id, "s.jsonl", [chat(1), "not json", chat(2)].join("\n"), { skipInvalid: true });
    expect(done).toMatchObject({ status: "succeeded", imported: 2, skipped: 1 });
    expect(done.report!.errors).toEqual([expect.objectContaining({ line: 2, code: "invalid_json" })]);
  });

  it("keeps a reasoning server's reasoning_content, moved into the reply as a think block, with no error", async () => {
    const d = await newDataset("reasoning");
    const line = (i: number) => JSON.stringify({ messages: [{ role: "user", content: `Question ${i}?` }, { role: "assistant", content: `Answer ${i}.`, reasoning_content: `Thinking about ${i}.` }] });
    const done = await importText(d.id, "r.jsonl", [line(1), line(2)].join("\n"));
    expect(done).toMatchObject({ status: "succeeded", imported: 2, skipped: 0 });
    expect(done.report!.errors).toEqual([]);
    const rows = await rowsOf(d.id);
    expect(rows[0]!.messages).toEqual([{ role: "user", content: "Question 1?" }, { role: "assistant", content: "<think>\nThinking about 1.\n</think>\n\nAnswer 1." }]);
    expect(rows.every((r) => r.errorCount === 0)).toBe(true);
  });

  it("cancel drops the staged file and writes nothing", async () => {
    const d = await newDataset("cancel");
    const refused = await importText(d.id, "c.jsonl", [chat(1), "{"].join("\n"));
    expect(refused.status).toBe("needs_review");
    const cancelled = await cancelImport({ datasetId: d.id, importId: refused.id, db });
    expect(cancelled.status).toBe("cancelled");
    expect(existsSync(path.dirname(stagedFilePath(`imports/${refused.id}/upload`)))).toBe(false);
    expect(await runDatasetImport({ db, importId: refused.id, queues })).toMatchObject({ ran: false });
    expect(await db.example.count({ where: { datasetId: d.id } })).toBe(0);
  });

  it("cancel during a running import rolls back everything it had written", async () => {
    const d = await newDataset("cancel-running");
    const file = path.join(dir, "running.jsonl");
    await writeFile(file, Array.from({ length: 40_000 }, (_, i) => chat(i)).join("\n"));
    const staged = await stageUpload({ datasetId: d.id, fileName: "running.jsonl", options: { format: "auto", skipInvalid: false, split: "train" }, body: fileBody(file), db, queues });
    const running = runDatasetImport({ db, importId: staged.id, queues });
    // Wait until the job reports progress (rows are being inserted), then cancel.
    for (let i = 0; i < 200 && (await getImport({ datasetId: d.id, importId: staged.id, db })).lines === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await getImport({ datasetId: d.id, importId: staged.id, db })).lines).toBeGreaterThan(0);
    await cancelImport({ datasetId: d.id, importId: staged.id, db });
    expect(await running).toMatchObject({ status: "cancelled" });
    expect((await getImport({ datasetId: d.id, importId: staged.id, db })).status).toBe("cancelled");
    expect(await db.example.count({ where: { datasetId: d.id } })).toBe(0);
    expect((await db.dataset.findUnique({ where: { id: d.id } }))!.revision).toBe(0);
  });

  it("a database error is retried from the start, and after the last attempt the import fails with the reason", async () => {
    const d = await newDataset("db-error");
    // An existing row at the largest position makes the next insert overflow the integer column.
    await db.example.create({ data: { datasetId: d.id, position: 2_147_483_647, messages: [], contentHash: "x" } });
    const staged = await stageUpload({ datasetId: d.id, fileName: "e.jsonl", options: { format: "auto", skipInvalid: false, split: "train" }, body: bytesBody(chat(1)), db, queues });
    await expect(runDatasetImport({ db, importId: staged.id, queues })).rejects.toThrow(/out of range/);
    await expect(runDatasetImport({ db, importId: staged.id, queues })).rejects.toThrow(/out of range/);
    expect((await getImport({ datasetId: d.id, importId: staged.id, db })).status).toBe("importing");
    expect(await runDatasetImport({ db, importId: staged.id, queues })).toMatchObject({ status: "failed" });
    const failed = await getImport({ datasetId: d.id, importId: staged.id, db });
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/stopped with an error 3 times \(.*out of range.*\); nothing was added/);
    expect(await db.example.count({ where: { datasetId: d.id } })).toBe(1);
  });

  describe("bad input: a clear message, nothing half-written", () => {
    it.each([
      ["an empty file", "empty.jsonl", Buffer.alloc(0), /empty \(0 bytes\)/],
      ["only blank lines", "blank.jsonl", "\n\n  \n", /has no examples \(it is empty or only blank lines\)/],
      ["a binary file", "photo.jsonl", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /binary file/],
      ["UTF-16 text", "utf16.jsonl", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(chat(1), "utf16le")]), /UTF-16.*save it as UTF-8/],
      ["an unknown shape", "odd.jsonl", '{"question": "a", "answer": "b"}\n', /line 1 has keys question, answer.*Expected one JSON object per line/],
    ])("%s fails the import", async (_label, name, bytes, message) => {
      const d = await newDataset("bad");
      const result = await importText(d.id, name, bytes);
      expect(result.status).toBe("failed");
      expect(result.error).toMatch(message);
      expect(await db.example.count({ where: { datasetId: d.id } })).toBe(0);
    });

    it("reports each bad line with its number and code (non-UTF-8, numbers/arrays as content, every cookbook category)", async () => {
      const d = await newDataset("lines");
      const good = Array.from({ length: 10 }, (_, i) => Buffer.from(chat(i)));
      const bad: [string, Buffer][] = [
        ["invalid_utf8", Buffer.from([...Buffer.from('{"messages": [{"role": "user", "content": "caf'), 0xe9, ...Buffer.from('"}]}')])],
        ["invalid_content", Buffer.from(JSON.stringify({ messages: [{ role: "user", content: [1, 2] }, { role: "assistant", content: "ok" }] }))],
        ["data_type", Buffer.from("[1, 2, 3]")],
        ["missing_field", Buffer.from('{"prompt": "only a prompt"}')],
        ["message_missing_key", Buffer.from(JSON.stringify({ messages: [{ content: "who am I" }, { role: "assistant", content: "ok" }] }))],
        ["message_unrecognized_key", Buffer.from(JSON.stringify({ messages: [{ role: "user", content: "hi", mood: "happy" }, { role: "assistant", content: "ok" }] }))],
        ["unrecognized_role", Buffer.from(JSON.stringify({ messages: [{ role: "human", content: "hi" }, { role: "assistant", content: "ok" }] }))],
        ["missing_content", Buffer.from(JSON.stringify({ messages: [{ role: "user", content: null }, { role: "assistant", content: "ok" }] }))],
        ["example_missing_assistant_message", Buffer.from(JSON.stringify({ messages: [{ role: "user", content: "hi" }] }))],
        ["invalid_content", Buffer.from(JSON.stringify({ messages: [{ role: "user", content: "nul\u0000here" }, { role: "assistant", content: "ok" }] }))],
        ["duplicate_key", Buffer.from('{"messages": [{"role": "user", "content": "hi"}], "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]}')],
      ];
      const file = Buffer.concat([...good, ...bad.map(([, b]) => b)].flatMap((b) => [b, Buffer.from("\r\n")]));
      const result = await importText(d.id, "categories.jsonl", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), file]));
      expect(result.status).toBe("needs_review");
      expect(await db.example.count({ where: { datasetId: d.id } })).toBe(0);
      for (const [i, [code]] of bad.entries()) {
        const line = good.length + i + 1;
        const found = result.report!.errors.filter((e) => e.line === line);
        expect(found.map((e) => e.code), `line ${line}`).toContain(code);
        expect(found.every((e) => e.message.length > 15)).toBe(true);
      }
      expect(result.report!.errors.find((e) => e.code === "invalid_utf8")!.message).toMatch(/not valid UTF-8.*column/);
      expect(result.report!.errors.some((e) => /NUL character/.test(e.message))).toBe(true);
      // BOM and CRLF do not leak into the rows once the valid lines are imported.
      await confirmImport({ datasetId: d.id, importId: result.id, db, queues });
      await runDatasetImport({ db, importId: result.id, queues });
      const rows = await rowsOf(d.id);
      expect(rows).toHaveLength(10);
      expect(rows[0]!.messages).toEqual([{ role: "user", content: "Question 0?" }, { role: "assistant", content: "Answer 0." }]);
    });

    it("imports a 10 MB single line whole", async () => {
      const d = await newDataset("big-line");
      const long = "x".repeat(10 * 1024 * 1024);
      const result = await importText(d.id, "long.jsonl", JSON.stringify({ messages: [{ role: "user", content: "Summarize" }, { role: "assistant", content: long }] }) + "\n");
      expect(result).toMatchObject({ status: "succeeded", imported: 1 });
      const row = await db.example.findFirst({ where: { datasetId: d.id } });
      expect(((row!.messages as { content: string }[])[1]!.content).length).toBe(long.length);
    });
  });
});

describe("round trip through the database", () => {
  const lines = [
    { messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Weather in Oslo?" }, { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } }] }, { role: "tool", tool_call_id: "c1", content: '{"temp":3}' }, { role: "assistant", content: "3 °C." }], tools: [{ type: "function", function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }], parallel_tool_calls: false },
    { messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello!", weight: 0 }, { role: "user", content: "Bye" }, { role: "assistant", content: "Goodbye.", weight: 1 }] },
    { messages: [{ role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "low" } }] }, { role: "assistant", content: "A cat." }] },
    { input: { messages: [{ role: "user", content: "Pick a colour" }] }, preferred_output: [{ role: "assistant", content: "Blue." }], non_preferred_output: [{ role: "assistant", content: "I cannot." }] },
    { messages: [{ role: "user", content: "Ünïcödé ✓ 日本" }, { role: "assistant", content: "ok" }] },
  ];

  async function exportOf(datasetId: string): Promise<string> {
    const rows = await rowsOf(datasetId);
    return rows.map((r) => JSON.stringify(exampleRecord(r)) + "\n").join("");
  }

  it("import → export → import → export gives the same bytes (tools, parallel_tool_calls, weight, null content, images, DPO)", async () => {
    const a = await newDataset("rt-a");
    const first = await importText(a.id, "rt.jsonl", lines.map((l) => JSON.stringify(l)).join("\n"));
    expect(first).toMatchObject({ status: "succeeded", imported: 5 });
    const exported = await exportOf(a.id);
    const b = await newDataset("rt-b");
    const second = await importText(b.id, "export.jsonl", exported);
    expect(second).toMatchObject({ status: "succeeded", imported: 5 });
    expect(await exportOf(b.id)).toBe(exported);
    const kinds = (await rowsOf(b.id)).map((r) => r.kind);
    expect(kinds).toEqual(["chat", "chat", "chat", "preference", "chat"]);
    expect(JSON.parse(exported.split("\n")[0]!)).toMatchObject({ parallel_tool_calls: false, tools: [expect.anything()] });
  });
});

describe("CSV", () => {
  it("waits for a column mapping with a preview, then imports with it", async () => {
    const d = await newDataset("csv");
    const csv = 'question,answer,notes\n"What is 2+2?",4,math\n"Say ""hi""","Hi, there!",quote\n"Multi\nline",ok,x\n';
    const waiting = await importText(d.id, "faq.csv", csv);
    expect(waiting.status).toBe("needs_review");
    expect(waiting.report!.csv).toEqual({
      columns: ["question", "answer", "notes"],
      rows: [["What is 2+2?", "4", "math"], ['Say "hi"', "Hi, there!", "quote"], ["Multi\nline", "ok", "x"]],
      suggestedMapping: { user: "question", assistant: "answer" },
    });
    await expect(confirmImport({ datasetId: d.id, importId: waiting.id, db, queues })).rejects.toThrow(/Choose which CSV columns/);
    await confirmImport({ datasetId: d.id, importId: waiting.id, csvMapping: { user: "question", assistant: "answer" }, db, queues });
    await runDatasetImport({ db, importId: waiting.id, queues });
    const done = await getImport({ datasetId: d.id, importId: waiting.id, db });
    expect(done).toMatchObject({ status: "succeeded", imported: 3, format: "csv" });
    const rows = await rowsOf(d.id);
    expect(rows[1]!.messages).toEqual([{ role: "user", content: 'Say "hi"' }, { role: "assistant", content: "Hi, there!" }]);
    expect(rows.map((r) => r.source)).toEqual(["faq.csv:2", "faq.csv:3", "faq.csv:4"]);
  });
});
