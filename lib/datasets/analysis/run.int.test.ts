import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadChatTokenizer } from "../../tokenizer/chat-tokenizer";
import { writeTinyModel } from "../../testing/tiny-model";
import { localTokenCounter } from "../../tokens/local";
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../db/client";
import { countChatExampleTokens, countTextTokensForModel } from "../../tokens/count";
import { newExampleRow } from "../rows/build";
import { markDatasetChanged } from "../rows/changed";
import { openLockHolder, rerunIfHolderAborted } from "../../testing/lock-holder";
import type { ConvertedRecord } from "../formats";
import { analyzeDataset } from "./run";

// Real Postgres, real worker threads (js-tiktoken loaded in each), real rows built like an import builds them.

const db = createPrismaClient();
const created: string[] = [];
const tag = randomBytes(4).toString("hex");

afterAll(async () => {
  await db.dataset.deleteMany({ where: { id: { in: created } } });
  await db.$disconnect();
});

type Spec = { user: string; assistant: string; system?: string; split?: "train" | "validation"; weight0?: boolean };

function chat(s: Spec): ConvertedRecord {
  const messages: Record<string, unknown>[] = [];
  if (s.system) messages.push({ role: "system", content: s.system });
  messages.push({ role: "user", content: s.user });
  messages.push(s.weight0 ? { role: "assistant", content: s.assistant, weight: 0 } : { role: "assistant", content: s.assistant });
  return { kind: "chat", example: { messages } } as ConvertedRecord;
}

async function makeDataset(specs: (Spec | ConvertedRecord)[], countModel?: string) {
  const ds = await db.dataset.create({ data: { name: `analysis-${tag}-${created.length}`, ...(countModel ? { countModel } : {}) } });
  created.push(ds.id);
  await db.example.createMany({
    data: specs.map((s, position) => ("kind" in s ? newExampleRow(s, { datasetId: ds.id, position }) : newExampleRow(chat(s), { datasetId: ds.id, position, split: s.split ?? "train" }))),
  });
  return ds;
}

const rowsOf = (datasetId: string) => db.example.findMany({ where: { datasetId }, orderBy: { position: "asc" } });
const codes = (issues: unknown) => (issues as { code: string }[]).map((i) => i.code).sort();

const long = (n: number, seed: string) => Array.from({ length: n }, (_, i) => `${seed}${i} word${(i * 7) % 13}`).join(" ");

describe("analyzeDataset", () => {
  it("counts every row with the cookbook formula in threads, committing batch by batch", async () => {
    const specs: Spec[] = Array.from({ length: 23 }, (_, i) => ({ system: "You are terse.", user: `Question number ${i}: ${"why ".repeat(i)}`, assistant: `Answer ${i} <|endoftext|> done`, weight0: i === 3 }));
    const ds = await makeDataset(specs);
    const countedAfterBatch: number[] = [];
    const outcome = await analyzeDataset({
      db,
      datasetId: ds.id,
      revision: 0,
      threads: 2,
      batchSize: 5,
      // What another connection sees after each batch: the rows committed so far.
      onBatch: async () => {
        countedAfterBatch.push(await db.example.count({ where: { datasetId: ds.id, tokenCount: { not: null } } }));
      },
    });
    expect(outcome).toMatchObject({ status: "done", counted: 23, rows: 23, threads: 2 });
    expect(countedAfterBatch.length).toBe(5);
    expect(countedAfterBatch[0]).toBeGreaterThanOrEqual(5);
    expect(countedAfterBatch[0]).toBeLessThan(23);
    expect(countedAfterBatch.at(-1)).toBe(23);
    for (let i = 1; i < countedAfterBatch.length; i++) expect(countedAfterBatch[i]).toBeGreaterThanOrEqual(countedAfterBatch[i - 1]!);

    const rows = await rowsOf(ds.id);
    for (const row of rows) {
      expect(row.tokenCount).toBe(countChatExampleTokens({ messages: row.messages as unknown[] }, "gpt-4o-mini-2024-07-18"));
      const reply = (row.messages as { role: string; content: string; weight?: number }[]).find((m) => m.role === "assistant")!;
      expect(row.assistantTokens).toBe(reply.weight === 0 ? 0 : countTextTokensForModel(reply.content, "gpt-4o-mini"));
    }
    expect(rows[3]!.assistantTokens).toBe(0);
    const after = await db.dataset.findUniqueOrThrow({ where: { id: ds.id } });
    expect(after).toMatchObject({ analyzedRevision: 0, analysisError: null });
    expect(after.analyzedAt).toBeInstanceOf(Date);
    // A repeated job is a no-op.
    expect(await analyzeDataset({ db, datasetId: ds.id, revision: 0 })).toEqual({ status: "skipped", reason: "done" });
  });

  it("fills in assistant tokens of rows written with a count but none (the sample seed does that)", async () => {
    const ds = await makeDataset([{ user: "Hi", assistant: "Hello there" }]);
    await db.example.updateMany({ where: { datasetId: ds.id }, data: { tokenCount: 999 } });
    await analyzeDataset({ db, datasetId: ds.id, revision: 0, threads: 1 });
    const [row] = await rowsOf(ds.id);
    expect(row!.assistantTokens).toBe(countTextTokensForModel("Hello there", "gpt-4o-mini"));
    expect(row!.tokenCount).toBe(countChatExampleTokens({ messages: row!.messages as unknown[] }, "gpt-4o-mini"));
  });

  it("counts a DPO row as its input plus the preferred output", async () => {
    const dpo = {
      kind: "preference",
      example: {
        input: { messages: [{ role: "user", content: "Say hi" }] },
        preferred_output: [{ role: "assistant", content: "Hello there, friend!" }],
        non_preferred_output: [{ role: "assistant", content: "no" }],
      },
    } as ConvertedRecord;
    const ds = await makeDataset([dpo]);
    // A one-row dataset is analysed on this thread (no counting threads started for it).
    expect(await analyzeDataset({ db, datasetId: ds.id, revision: 0 })).toMatchObject({ status: "done", threads: 0, counted: 1 });
    const [row] = await rowsOf(ds.id);
    const expected = countChatExampleTokens({ messages: [{ role: "user", content: "Say hi" }, { role: "assistant", content: "Hello there, friend!" }] }, "gpt-4o-mini");
    expect(row!.tokenCount).toBe(expected);
    expect(row!.assistantTokens).toBe(countTextTokensForModel("Hello there, friend!", "gpt-4o-mini"));
  });

  it("finds exact and near duplicates, leakage and over-limit rows, keeping example-level findings", async () => {
    const base = long(60, "alpha");
    const ds = await makeDataset([
      { user: "How do I reset my password?", assistant: "Use the reset link on the sign-in page." },
      { user: "  how do I RESET my password? ", assistant: "Use the reset link on the sign-in page." }, // exact (case/space)
      { user: base, assistant: "Here is a long answer about alpha." },
      { user: `${base} extra`, assistant: "Here is a long answer about alpha." }, // near
      { user: "Completely different question about billing", assistant: "Billing is monthly." },
      { user: "How do I reset my password?", assistant: "Another reply for validation.", split: "validation" }, // leakage
      { user: "", assistant: "empty prompt keeps its own error" }, // example-level error stays
      { user: "A unique validation prompt nobody else asks", assistant: "Fine.", split: "validation" },
    ]);
    const before = await rowsOf(ds.id);
    expect(codes(before[6]!.issues)).toContain("missing_content");

    await analyzeDataset({ db, datasetId: ds.id, revision: 0, threads: 1 });
    const rows = await rowsOf(ds.id);
    expect(codes(rows[0]!.issues)).toEqual([]);
    expect(codes(rows[1]!.issues)).toEqual(["exact_duplicate"]);
    expect((rows[1]!.issues as { message: string }[])[0]!.message).toMatch(/same as example #1 /);
    expect(rows[1]!.issueCodes).toEqual(["exact_duplicate"]);
    expect(rows[1]!.warningCount).toBe(1);
    expect(codes(rows[3]!.issues)).toEqual(["near_duplicate"]);
    expect((rows[3]!.issues as { message: string }[])[0]!.message).toMatch(/\d+% the same as example #3/);
    expect(codes(rows[5]!.issues)).toEqual(["split_leakage"]);
    expect(codes(rows[6]!.issues)).toEqual(expect.arrayContaining(["missing_content"]));
    expect(rows[6]!.errorCount).toBeGreaterThan(0);
    expect(codes(rows[7]!.issues)).toEqual([]);

    // Fixing the duplicate (new content → new revision) clears its finding on the next analysis.
    const fixed = newExampleRow(chat({ user: "Something new entirely", assistant: "ok" }), { datasetId: ds.id, position: 1 });
    const revision = await db.$transaction(async (tx) => {
      await tx.example.update({ where: { id: rows[1]!.id }, data: { messages: fixed.messages, contentHash: fixed.contentHash, tokenCount: null, assistantTokens: null } });
      return markDatasetChanged(tx, ds.id);
    });
    const second = await analyzeDataset({ db, datasetId: ds.id, revision, threads: 1 });
    expect(second).toMatchObject({ status: "done", counted: 1 });
    const again = await rowsOf(ds.id);
    expect(codes(again[1]!.issues)).toEqual([]);
    expect(again[1]!.warningCount).toBe(0);
    expect(again[1]!.tokenCount).toBeGreaterThan(0);
  });

  it("flags examples over the model's limit", async () => {
    // gpt-3.5-turbo-0613 has a 4,096-token limit; ~5,000 tokens of text go over it.
    const ds = await makeDataset([{ user: long(2500, "w"), assistant: "ok" }, { user: "short", assistant: "ok" }], "gpt-3.5-turbo-0613");
    await analyzeDataset({ db, datasetId: ds.id, revision: 0, threads: 1 });
    const rows = await rowsOf(ds.id);
    expect(rows[0]!.tokenCount).toBeGreaterThan(4_096);
    expect(codes(rows[0]!.issues)).toEqual(["too_many_tokens"]);
    expect((rows[0]!.issues as { message: string }[])[0]!.message).toMatch(/over the 4,096-token limit per example for gpt-3.5-turbo-0613/);
    expect(codes(rows[1]!.issues)).toEqual([]);
  });

  it("keeps counts but does not mark a revision analysed once the dataset moved on", async () => {
    const ds = await makeDataset([{ user: "a b c", assistant: "d" }, { user: "e f g", assistant: "h" }]);
    const outcome = await analyzeDataset({
      db,
      datasetId: ds.id,
      revision: 0,
      threads: 1,
      batchSize: 1,
      // An edit lands while the analysis runs.
      onBatch: async ({ read }) => {
        if (read === 1) await db.$transaction((tx) => markDatasetChanged(tx, ds.id));
      },
    });
    expect(outcome).toMatchObject({ status: "superseded", counted: 2 });
    const after = await db.dataset.findUniqueOrThrow({ where: { id: ds.id } });
    expect(after.analyzedRevision).toBeNull();
    expect(await db.example.count({ where: { datasetId: ds.id, tokenCount: { not: null } } })).toBe(2);
    // The stale job, repeated, does nothing: the newer one will.
    expect(await analyzeDataset({ db, datasetId: ds.id, revision: 0 })).toEqual({ status: "skipped", reason: "superseded" });
  });

  it("finishes when an editor's transaction deadlocks with its findings write (the write runs again)", async () => {
    // On a fresh dataset each time Postgres aborts the editor instead of the findings write (see lock-holder).
    const ds = await rerunIfHolderAborted(async () => {
      const ds = await makeDataset(Array.from({ length: 6 }, () => ({ user: "The same question every time", assistant: "The same answer" })));
      const duplicates = (await rowsOf(ds.id)).slice(1).map((r) => r.id);
      // Every row but the first (the original) gets exact_duplicate; the findings write locks them in id order.
      const inLockOrder = (await db.$queryRaw<{ id: string }[]>`SELECT id FROM examples WHERE id = ANY(${duplicates}::text[]) ORDER BY id`).map((r) => r.id);
      const editor = await openLockHolder();
      let editorDone: Promise<void> | undefined;
      try {
        const outcome = await analyzeDataset({
          db,
          datasetId: ds.id,
          revision: 0,
          threads: 0,
          // After the counts, before the findings: the editor holds the row the findings write locks last and,
          // once that write waits for it, asks for the row it locked first. Postgres aborts the findings write.
          onBatch: async () => {
            await editor.lockRow("examples", inLockOrder.at(-1)!);
            editorDone = editor.untilSomeoneWaits().then(async () => {
              await editor.lockRow("examples", inLockOrder[0]!);
              await editor.commit();
            });
          },
        });
        // First: an editor aborted in the write's place makes this attempt prove nothing.
        expect(editorDone).toBeDefined();
        await editorDone;
        expect(outcome).toMatchObject({ status: "done", changedFindings: 5 });
        return ds;
      } finally {
        await editorDone?.catch(() => undefined);
        await editor.close();
      }
    });
    const rows = await rowsOf(ds.id);
    expect(rows.map((r) => codes(r.issues))).toEqual([[], ...Array.from({ length: 5 }, () => ["exact_duplicate"])]);
    const after = await db.dataset.findUniqueOrThrow({ where: { id: ds.id } });
    expect(after).toMatchObject({ analyzedRevision: 0, analysisError: null });
  });

  it("counts with a local model's own tokenizer and chat template in the threads", async () => {
    const modelsDir = mkdtempSync(path.join(tmpdir(), "tf-analysis-models-"));
    try {
      const chat = loadChatTokenizer(writeTinyModel({ dir: path.join(modelsDir, "tiny") }).dir);
      const ds = await makeDataset([{ user: "hello world", assistant: "hi there" }, { user: "second question", assistant: "second answer", weight0: true }], "local:tiny");
      const outcome = await analyzeDataset({ db, datasetId: ds.id, revision: 0, threads: 1, modelsDir });
      expect(outcome).toMatchObject({ status: "done", counted: 2 });
      const counter = localTokenCounter("local:tiny", chat, 4_096);
      for (const row of await rowsOf(ds.id)) {
        const messages = row.messages as { role: string; content: string; weight?: number }[];
        expect(row.tokenCount).toBe(counter.countExample({ messages }));
        const reply = messages.find((m) => m.role === "assistant")!;
        expect(row.assistantTokens).toBe(reply.weight === 0 ? 0 : counter.countText(reply.content));
      }
    } finally {
      rmSync(modelsDir, { recursive: true, force: true });
    }
  });

  it("records a readable error for a model it cannot count for", async () => {
    const ds = await makeDataset([{ user: "a", assistant: "b" }], "local:no-such-model");
    // Both paths: in a counting thread and on this thread.
    for (const threads of [1, 0]) {
      await db.dataset.update({ where: { id: ds.id }, data: { analysisError: null } });
      await expect(analyzeDataset({ db, datasetId: ds.id, revision: 0, threads })).rejects.toThrow(/cannot count tokens for local:no-such-model: .*tokenizer\.json is missing/);
      const after = await db.dataset.findUniqueOrThrow({ where: { id: ds.id } });
      expect(after.analysisError).toMatch(/Analysis of revision 0 failed: cannot count tokens for local:no-such-model/);
      expect(after.analyzedRevision).toBeNull();
    }
  });
});
