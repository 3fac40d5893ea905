import pg from "pg";
import { env } from "../env";

// Real deadlocks for tests: a second session (plain pg, never the code under test) that takes row locks, waits
// until another session is blocked on one of them, then asks for a row that session holds. Postgres runs its
// deadlock check deadlock_timeout (1 s) after a session starts waiting, so the session that waited first checks
// first and is the one aborted: the code under test is the victim, every time.

export type LockHolder = {
  /** Takes a row lock in the holder's open transaction (FOR NO KEY UPDATE, the lock an UPDATE takes). */
  lockRow(table: "examples" | "datasets", id: string): Promise<void>;
  /** Resolves once another session waits on a lock this holder has. */
  untilSomeoneWaits(timeoutMs?: number): Promise<void>;
  commit(): Promise<void>;
  close(): Promise<void>;
};

export async function openLockHolder(databaseUrl: string = env().DATABASE_URL): Promise<LockHolder> {
  const holder = new pg.Client({ connectionString: databaseUrl });
  // The holder's own connection is busy while it waits for a lock; pg_stat_activity is read on another.
  const watcher = new pg.Client({ connectionString: databaseUrl });
  await Promise.all([holder.connect(), watcher.connect()]);
  const pid = (await holder.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
  await holder.query("BEGIN");
  return {
    async lockRow(table, id) {
      await holder.query(`SELECT 1 FROM ${table} WHERE id = $1 FOR NO KEY UPDATE`, [id]);
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
