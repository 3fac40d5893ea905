import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it, vi } from "vitest";
import { errorResponse } from "../http/route";
import { openLockHolder, rerunIfHolderAborted } from "../testing/lock-holder";
import { createPrismaClient } from "./client";
import { isTransientConflict, postgresErrorCode, retryOnConflict, transactionWithRetry } from "./conflict";

// Real deadlocks on real Postgres: a plain pg session holds row b, the transaction under test takes row a and
// waits for b, then the holder asks for a. Postgres aborts the transaction under test (it waited first).

const db = createPrismaClient();
const created: string[] = [];
const tag = randomBytes(4).toString("hex");

afterAll(async () => {
  await db.dataset.deleteMany({ where: { id: { in: created } } });
  await db.$disconnect();
});

async function twoRows(): Promise<{ a: string; b: string }> {
  const ds = await db.dataset.create({ data: { name: `conflict-${tag}-${created.length}` } });
  created.push(ds.id);
  const [a, b] = await Promise.all(
    [0, 1].map((position) => db.example.create({ data: { datasetId: ds.id, position, messages: [], contentHash: `h${position}` }, select: { id: true } })),
  );
  return { a: a!.id, b: b!.id };
}

type Victim = (rows: { a: string; b: string }) => Promise<unknown>;

/**
 * Runs `victim` (which locks a, then b) into a deadlock with a holder of b; returns what it settled with. Runs
 * again on fresh rows when Postgres aborted the holder instead (see lock-holder), so `victim` may be called more
 * than once: only the last call's outcome is returned.
 */
async function deadlock(victim: Victim): Promise<{ settled: PromiseSettledResult<unknown>; rows: { a: string; b: string } }> {
  return rerunIfHolderAborted(async () => {
    const rows = await twoRows();
    const holder = await openLockHolder();
    let running: Promise<unknown> | undefined;
    try {
      await holder.lockRow("examples", rows.b);
      running = victim(rows);
      running.catch(() => undefined);
      await holder.untilSomeoneWaits();
      // Waits until the victim is aborted (its locks go), then holds a as well.
      await holder.lockRow("examples", rows.a);
      await holder.commit();
      const [settled] = await Promise.allSettled([running]);
      return { settled: settled!, rows };
    } finally {
      await holder.close();
      // A holder aborted in the victim's place let the victim go on: it ends before the next attempt starts.
      await running?.catch(() => undefined);
    }
  });
}

const lockAThenB = (write: "raw" | "model"): Victim => ({ a, b }) =>
  db.$transaction(async (tx) => {
    await tx.$executeRaw`UPDATE examples SET tags = '{victim}' WHERE id = ${a}`;
    if (write === "raw") await tx.$executeRaw`UPDATE examples SET tags = '{victim}' WHERE id = ${b}`;
    else await tx.example.updateMany({ where: { id: b }, data: { tags: ["victim"] } });
  });

describe("transient conflicts", () => {
  it.each(["raw", "model"] as const)("recognises a real deadlock of a %s query in a transaction", async (write) => {
    const { settled, rows } = await deadlock(lockAThenB(write));
    expect(settled.status).toBe("rejected");
    const err = (settled as PromiseRejectedResult).reason;
    expect(postgresErrorCode(err)).toBe("40P01");
    expect(isTransientConflict(err)).toBe(true);
    // The aborted transaction changed nothing.
    const tags = await db.example.findMany({ where: { id: { in: [rows.a, rows.b] } }, select: { tags: true } });
    expect(tags.map((t) => t.tags)).toEqual([[], []]);

    // A route answers 503 with a reason and a retry hint, not a bare 500.
    const res = errorResponse(err);
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("1");
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("write_conflict");
    expect(body.error.message).toMatch(/nothing was saved.*try again/i);
  });

  it("runs a deadlocked transaction again until it commits", async () => {
    let runs = 0;
    const retried: string[] = [];
    const { settled, rows } = await deadlock(({ a, b }) => {
      // Counts this attempt's runs only (deadlock() runs the scenario again if the holder was aborted instead).
      runs = 0;
      retried.length = 0;
      return transactionWithRetry(
        db,
        async (tx) => {
          runs++;
          await tx.$executeRaw`UPDATE examples SET tags = '{victim}' WHERE id = ${a}`;
          await tx.$executeRaw`UPDATE examples SET tags = '{victim}' WHERE id = ${b}`;
          return "committed";
        },
        undefined,
        { onRetry: (err) => retried.push(postgresErrorCode(err) ?? "?") },
      );
    });
    expect(settled).toEqual({ status: "fulfilled", value: "committed" });
    expect(runs).toBe(2);
    expect(retried).toEqual(["40P01"]);
    const tags = await db.example.findMany({ where: { id: { in: [rows.a, rows.b] } }, select: { tags: true } });
    expect(tags.map((t) => t.tags)).toEqual([["victim"], ["victim"]]);
  });

  it("tells a holder Postgres aborted in the victim's place apart from the victim, and runs the scenario again", async () => {
    const holderErrors: string[] = [];
    const attempts: { a: string; b: string }[] = [];
    const settled = await rerunIfHolderAborted(async (attempt) => {
      const rows = await twoRows();
      attempts.push(rows);
      const holder = await openLockHolder();
      let running: Promise<unknown> | undefined;
      try {
        await holder.lockRow("examples", rows.b);
        running = lockAThenB("raw")(rows);
        running.catch(() => undefined);
        await holder.untilSomeoneWaits();
        // The first time the holder asks late, as on a loaded machine: after the victim's one deadlock check.
        if (attempt === 1) await new Promise((r) => setTimeout(r, 2500));
        await holder.lockRow("examples", rows.a).catch((err: unknown) => {
          holderErrors.push((err as Error).name);
          throw err;
        });
        await holder.commit();
        return (await Promise.allSettled([running]))[0]!;
      } finally {
        await holder.close();
        await running?.catch(() => undefined);
      }
    });
    expect(holderErrors).toEqual(["HolderAbortedError"]);
    expect(attempts).toHaveLength(2);
    // The late holder's abort let the first victim commit; the second victim was the one aborted.
    const first = await db.example.findMany({ where: { id: { in: Object.values(attempts[0]!) } }, select: { tags: true } });
    expect(first.map((t) => t.tags)).toEqual([["victim"], ["victim"]]);
    expect(postgresErrorCode((settled as PromiseRejectedResult).reason)).toBe("40P01");
  });

  it("passes other errors through at once and gives up on a conflict after the last attempt", async () => {
    let runs = 0;
    const division = await retryOnConflict(async () => {
      runs++;
      return db.$queryRaw`SELECT 1 / 0`;
    }).catch((e: unknown) => e);
    expect(runs).toBe(1);
    expect(postgresErrorCode(division)).toBe("22012");
    expect(isTransientConflict(division)).toBe(false);
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    expect(errorResponse(division).status).toBe(500);
    expect(logged).toHaveBeenCalledWith("[api] unhandled error:", division);
    logged.mockRestore();

    const { settled } = await deadlock(lockAThenB("raw"));
    const conflict = (settled as PromiseRejectedResult).reason;
    runs = 0;
    const last = await retryOnConflict(
      async () => {
        runs++;
        throw conflict;
      },
      { attempts: 3, baseDelayMs: 1 },
    ).catch((e: unknown) => e);
    expect(runs).toBe(3);
    expect(last).toBe(conflict);
  });
});
