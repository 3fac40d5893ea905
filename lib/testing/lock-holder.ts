import pg from "pg";
import { env } from "../env";

// Real deadlocks for tests: a second session (plain pg, never the code under test) that takes row locks, waits
// until another session is blocked on one of them, then asks for a row that session holds. Postgres runs its
// deadlock check once, deadlock_timeout (1 s) after a session starts waiting, and the session whose check finds
// the cycle is the one aborted. The session under test waited first, so it checks first and is the victim, as
// long as the holder is waiting by then. On a loaded machine the holder can be later than that: the victim's one
// check finds no cycle, the holder's check finds it and Postgres aborts the holder. lockRow then throws
// HolderAbortedError, and rerunIfHolderAborted runs the whole scenario again on fresh rows, so a test never
// mistakes the holder's abort for the code under test's (a raw "deadlock detected" from the holder).

export type LockHolder = {
  /** Takes a row lock in the holder's open transaction (FOR NO KEY UPDATE, the lock an UPDATE takes). */
  lockRow(table: "examples" | "datasets", id: string): Promise<void>;
  /** Resolves once another session waits on a lock this holder has. */
  untilSomeoneWaits(timeoutMs?: number): Promise<void>;
  commit(): Promise<void>;
  close(): Promise<void>;
};

const DEADLOCK = "40P01";

/** Postgres aborted the holder instead of the session under test: the scenario proved nothing and runs again. */
export class HolderAbortedError extends Error {
  constructor(pid: number) {
    super(`Postgres aborted the lock holder (backend ${pid}), not the session under test: the holder began waiting after that session's deadlock check`);
    this.name = "HolderAbortedError";
  }
}

/**
 * Runs a deadlock scenario (which opens its own holder and rows) again while the holder, not the code under
 * test, was the one aborted. The scenario must leave nothing that a later attempt trips over.
 */
export async function rerunIfHolderAborted<T>(scenario: (attempt: number) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await scenario(attempt);
    } catch (err) {
      if (!(err instanceof HolderAbortedError) || attempt >= attempts) throw err;
    }
  }
}

export async function openLockHolder(databaseUrl: string = env().DATABASE_URL): Promise<LockHolder> {
  const holder = new pg.Client({ connectionString: databaseUrl });
  // The holder's own connection is busy while it waits for a lock; pg_stat_activity is read on another.
  const watcher = new pg.Client({ connectionString: databaseUrl });
  await Promise.all([holder.connect(), watcher.connect()]);
  const pid = (await holder.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
  await holder.query("BEGIN");
  return {
    async lockRow(table, id) {
      try {
        await holder.query(`SELECT 1 FROM ${table} WHERE id = $1 FOR NO KEY UPDATE`, [id]);
      } catch (err) {
        if ((err as { code?: unknown }).code === DEADLOCK) throw new HolderAbortedError(pid);
        throw err;
      }
    },
    async untilSomeoneWaits(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await watcher.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", [pid]);
        if (rows[0]!.n > 0) return;
        if (Date.now() > deadline) throw new Error(`no session waited on a lock of backend ${pid} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async commit() {
      await holder.query("COMMIT");
    },
    async close() {
      await Promise.all([holder.end(), watcher.end()]);
    },
  };
}
