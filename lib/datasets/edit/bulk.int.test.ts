import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../db/client";
import { closeQueues } from "../../queue/queues";
import { openLockHolder, rerunIfHolderAborted } from "../../testing/lock-holder";
import { countChatExampleTokens } from "../../tokens/count";
import { bulkAction, deleteExample, UNDO_LIFETIME_MS } from "./bulk";
import { chat, makeDataset } from "./test-helpers";
import { countEditorTokens } from "./token-count";
import { undoBatch } from "./undo";

describe("bulk actions and undo", () => {
  const db = createPrismaClient();
  const datasetIds: string[] = [];
  afterAll(async () => {
    await db.dataset.deleteMany({ where: { id: { in: datasetIds } } });
    await db.$disconnect();
    await closeQueues();
  });
  const setup = async (n: number, tags: string[] = []) => {
    const made = await makeDataset(
      db,
      Array.from({ length: n }, (_, i) => ({ messages: chat(`question ${i}`, `answer ${i}`), tags })),
      "bulk",
    );
    datasetIds.push(made.dataset.id);
    return made;
  };
  const rowsOf = (datasetId: string) => db.example.findMany({ where: { datasetId }, orderBy: { position: "asc" } });

  it("delete + undo restores the rows exactly, every column", async () => {
    const { dataset, rows } = await setup(5);
    // Give the rows analysis results and a dataset-level finding, which undo must bring back too.
    await db.example.update({
      where: { id: rows[1]!.id },
      data: { tokenCount: 17, assistantTokens: 4, split: "validation", splitManual: true, tags: ["a", "b"], issues: [{ code: "exact_duplicate", severity: "warning", message: "dup" }], issueCodes: ["exact_duplicate"], warningCount: 1 },
    });
    const before = await rowsOf(dataset.id);
    const revision = (await db.dataset.findUniqueOrThrow({ where: { id: dataset.id } })).revision;

    const result = await bulkAction({ datasetId: dataset.id, input: { ids: [rows[1]!.id, rows[3]!.id, rows[4]!.id], action: "delete" }, db, deletePartRows: 2 });
    expect(result.affected).toBe(3);
    // Two rows in the head batch, one in a part; a part cannot be undone on its own.
    const part = await db.undoBatch.findFirstOrThrow({ where: { datasetId: dataset.id, kind: "delete_part" } });
    await expect(undoBatch({ datasetId: dataset.id, batchId: part.id, db })).rejects.toMatchObject({ status: 404 });
    expect(new Date(result.undo.expiresAt).getTime() - Date.now()).toBeGreaterThan(UNDO_LIFETIME_MS - 60_000);
    expect((await rowsOf(dataset.id)).map((r) => r.position)).toEqual([0, 2]);

    const undone = await undoBatch({ datasetId: dataset.id, batchId: result.undo.batchId, db });
    expect(undone).toEqual({ kind: "delete", restored: 3 });
    expect(await rowsOf(dataset.id)).toEqual(before);
    expect((await db.dataset.findUniqueOrThrow({ where: { id: dataset.id } })).revision).toBe(revision + 2);
    // Used once, parts included.
    expect(await db.undoBatch.count({ where: { datasetId: dataset.id } })).toBe(0);
    await expect(undoBatch({ datasetId: dataset.id, batchId: result.undo.batchId, db })).rejects.toMatchObject({ status: 404, code: "undo_not_found" });
  });

  it("tag, untag and set_split change only the selection, and each undo puts back what was there", async () => {
    const { dataset, rows } = await setup(4, ["keep"]);
    const picked = [rows[0]!.id, rows[2]!.id];
    const before = await rowsOf(dataset.id);

    const tagged = await bulkAction({ datasetId: dataset.id, input: { ids: picked, action: "tag", tags: [" vip ", "keep", "billing"] }, db });
    expect(tagged.affected).toBe(2);
    expect((await rowsOf(dataset.id)).map((r) => r.tags)).toEqual([["keep", "vip", "billing"], ["keep"], ["keep", "vip", "billing"], ["keep"]]);

    const untagged = await bulkAction({ datasetId: dataset.id, input: { ids: picked, action: "untag", tags: ["keep"] }, db });
    expect((await rowsOf(dataset.id)).map((r) => r.tags)).toEqual([["vip", "billing"], ["keep"], ["vip", "billing"], ["keep"]]);

    const split = await bulkAction({ datasetId: dataset.id, input: { ids: picked, action: "set_split", split: "validation" }, db });
    let now = await rowsOf(dataset.id);
    expect(now.map((r) => [r.split, r.splitManual])).toEqual([["validation", true], ["train", false], ["validation", true], ["train", false]]);

    await undoBatch({ datasetId: dataset.id, batchId: split.undo.batchId, db });
    await undoBatch({ datasetId: dataset.id, batchId: untagged.undo.batchId, db });
    await undoBatch({ datasetId: dataset.id, batchId: tagged.undo.batchId, db });
    now = await rowsOf(dataset.id);
    expect(now.map((r) => ({ tags: r.tags, split: r.split, splitManual: r.splitManual }))).toEqual(
      before.map((r) => ({ tags: r.tags, split: r.split, splitManual: r.splitManual })),
    );
    // Undo touched only those columns (and updatedAt).
    expect(now.map((r) => ({ ...r, updatedAt: null }))).toEqual(before.map((r) => ({ ...r, updatedAt: null })));
  });

  it("a tag action that deadlocks with another writer runs again and applies exactly once", async () => {
    // On fresh rows each time Postgres aborts the writer instead of the action (see lock-holder).
    const { dataset } = await rerunIfHolderAborted(async () => {
      const { dataset, rows } = await setup(3);
      const picked = [rows[0]!.id, rows[1]!.id];
      // Another writer that locks the dataset row before example rows (the opposite of a bulk action's order).
      const other = await openLockHolder();
      let tagging: ReturnType<typeof bulkAction> | undefined;
      try {
        await other.lockRow("datasets", dataset.id);
        tagging = bulkAction({ datasetId: dataset.id, input: { ids: picked, action: "tag", tags: ["vip"] }, db });
        tagging.catch(() => undefined);
        // The action holds the picked rows and waits for the dataset row; the writer asks for a picked row.
        await other.untilSomeoneWaits();
        await other.lockRow("examples", picked[0]!);
        await other.commit();
        expect((await tagging).affected).toBe(2);
        return { dataset };
      } finally {
        await other.close();
        await tagging?.catch(() => undefined);
      }
    });
    expect((await rowsOf(dataset.id)).map((r) => r.tags)).toEqual([["vip"], ["vip"], []]);
    // The aborted attempt left nothing behind: one undo batch, one new revision.
    expect(await db.undoBatch.count({ where: { datasetId: dataset.id } })).toBe(1);
    expect((await db.dataset.findUniqueOrThrow({ where: { id: dataset.id } })).revision).toBe(dataset.revision + 1);
  });

  it("refuses an expired batch (410) and deletes it", async () => {
    const { dataset, rows } = await setup(2);
    const past = new Date(Date.now() - UNDO_LIFETIME_MS - 1000);
    const result = await bulkAction({ datasetId: dataset.id, input: { ids: [rows[0]!.id], action: "delete" }, db, now: past });
    await expect(undoBatch({ datasetId: dataset.id, batchId: result.undo.batchId, db })).rejects.toMatchObject({ status: 410, code: "undo_expired" });
    expect(await db.undoBatch.findUnique({ where: { id: result.undo.batchId } })).toBeNull();
    expect(await rowsOf(dataset.id)).toHaveLength(1);
  });

  it("a new batch clears expired ones", async () => {
    const { dataset, rows } = await setup(3);
    const old = await bulkAction({ datasetId: dataset.id, input: { ids: [rows[0]!.id], action: "tag", tags: ["x"] }, db, now: new Date(Date.now() - UNDO_LIFETIME_MS - 1000) });
    await bulkAction({ datasetId: dataset.id, input: { ids: [rows[1]!.id], action: "tag", tags: ["y"] }, db });
    expect(await db.undoBatch.findUnique({ where: { id: old.undo.batchId } })).toBeNull();
  });

  it("refuses ids from another dataset and changes nothing; undo of another dataset's batch is not found", async () => {
    const a = await setup(2);
    const b = await setup(2);
    await expect(bulkAction({ datasetId: a.dataset.id, input: { ids: [a.rows[0]!.id, b.rows[0]!.id], action: "delete" }, db })).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/1 of the 2 selected ids are not examples of this dataset/),
    });
    expect(await rowsOf(a.dataset.id)).toHaveLength(2);
    expect(await rowsOf(b.dataset.id)).toHaveLength(2);
    const batch = await bulkAction({ datasetId: b.dataset.id, input: { ids: [b.rows[0]!.id], action: "delete" }, db });
    await expect(undoBatch({ datasetId: a.dataset.id, batchId: batch.undo.batchId, db })).rejects.toMatchObject({ status: 404 });
    await expect(bulkAction({ datasetId: a.dataset.id, input: { ids: [a.rows[0]!.id], action: "tag", tags: [" "] }, db })).rejects.toThrow(/tags/);
  });

  it("deleteExample is an undoable one-row delete", async () => {
    const { dataset, rows } = await setup(2);
    const before = await rowsOf(dataset.id);
    const result = await deleteExample({ datasetId: dataset.id, exampleId: rows[0]!.id, db });
    expect(result.affected).toBe(1);
    await undoBatch({ datasetId: dataset.id, batchId: result.undo.batchId, db });
    expect(await rowsOf(dataset.id)).toEqual(before);
  });

  it("10,000-row delete, tag and undo each finish in well under a second", async () => {
    const { dataset } = await setup(10_000);
    const ids = (await db.example.findMany({ where: { datasetId: dataset.id }, select: { id: true } })).map((r) => r.id);
    const time = async <T>(label: string, f: () => Promise<T>) => {
      const t = performance.now();
      const out = await f();
      const ms = performance.now() - t;
      console.log(`[bulk timing] ${label}: ${ms.toFixed(0)} ms`);
      return { out, ms };
    };
    const tag = await time("tag 10k", () => bulkAction({ datasetId: dataset.id, input: { ids, action: "tag", tags: ["big"] }, db }));
    const undoTag = await time("undo tag 10k", () => undoBatch({ datasetId: dataset.id, batchId: tag.out.undo.batchId, db }));
    const beforeDelete = await rowsOf(dataset.id);
    const del = await time("delete 10k", () => bulkAction({ datasetId: dataset.id, input: { ids, action: "delete" }, db }));
    expect(await db.example.count({ where: { datasetId: dataset.id } })).toBe(0);
    expect(await db.undoBatch.count({ where: { datasetId: dataset.id, kind: "delete_part" } })).toBe(4);
    const undoDel = await time("undo delete 10k", () => undoBatch({ datasetId: dataset.id, batchId: del.out.undo.batchId, db }));
    expect(await db.example.count({ where: { datasetId: dataset.id } })).toBe(10_000);
    expect(await db.undoBatch.count({ where: { datasetId: dataset.id } })).toBe(0);
    expect(await rowsOf(dataset.id)).toEqual(beforeDelete);
    for (const t of [tag, undoTag, del, undoDel]) expect(t.ms).toBeLessThan(3_000);
  }, 60_000);
});

describe("token count for the editor", () => {
  it("equals countChatExampleTokens, and the per-message shares plus priming add up", async () => {
    const messages = [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Reset my password please" },
      { role: "assistant", content: "Settings → Security → Reset.", weight: 1 },
    ];
    const tools = [{ type: "function", function: { name: "reset", parameters: { type: "object" } } }];
    for (const model of ["gpt-4o-mini-2024-07-18", "gpt-3.5-turbo-0125"]) {
      const r = await countEditorTokens({ input: { model, messages } });
      expect(r.tokens).toBe(countChatExampleTokens({ messages }, model));
      expect(r.perMessage).toHaveLength(3);
      expect(r.perMessage.reduce((a, b) => a + b, 0) + 3).toBe(r.tokens);
      const withTools = await countEditorTokens({ input: { model, messages, tools } });
      expect(withTools.tokens).toBe(countChatExampleTokens({ messages, tools }, model));
    }
    expect((await countEditorTokens({ input: { messages } })).limit).toBe(65_536);
    expect((await countEditorTokens({ input: { model: "gpt-3.5-turbo-0125", messages } })).limit).toBe(16_385);
  });
});
