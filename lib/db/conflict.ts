import type { Prisma, PrismaClient } from "@prisma/client";

// Postgres ends one of two transactions that wait on each other's row locks (40P01, "deadlock detected") and,
// under SERIALIZABLE, one whose reads another commit invalidated (40001). The aborted transaction changed
// nothing, so running it again from the start is the documented remedy. Writers of the examples table meet
// here: the background analysis writes counts and findings while the user edits, bulk-tags or re-splits.

const TRANSIENT_CODES = new Set(["40P01", "40001"]);
const SQLSTATE = /^[0-9A-Z]{5}$/;
/** Prisma's own codes (P1000–P6999) look like SQLSTATEs; Postgres's only P class is P0 (PL/pgSQL). */
const PRISMA_CODE = /^P[1-9][0-9]{3}$/;
const isSqlState = (code: unknown): code is string => typeof code === "string" && SQLSTATE.test(code) && !PRISMA_CODE.test(code);

/**
 * The SQLSTATE of a Postgres error as Prisma with the pg driver adapter surfaces it: a raw query's
 * PrismaClientKnownRequestError (P2010, `meta.driverAdapterError.cause.code`), a model query's bare
 * DriverAdapterError inside an interactive transaction (`cause.code`), or pg's own error (`code`).
 */
export function postgresErrorCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const e = current as { code?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown; code?: unknown } };
    if (isSqlState(e.code)) return e.code;
    if (isSqlState(e.meta?.code)) return e.meta.code;
    current = e.meta?.driverAdapterError ?? e.cause;
  }
  return undefined;
}

/** A deadlock or serialization failure (or Prisma's P2034 for the same): the whole unit of work may run again. */
export function isTransientConflict(err: unknown): boolean {
  if ((err as { code?: unknown } | null)?.code === "P2034") return true;
  const code = postgresErrorCode(err);
  return code !== undefined && TRANSIENT_CODES.has(code);
}

export type RetryOptions = {
  /** Runs in all, the first included. */
  attempts?: number;
  /** Wait before the second run; doubled for each later one, with jitter so two victims do not collide again. */
  baseDelayMs?: number;
  onRetry?: (err: unknown, attempt: number) => void;
};

const CONFLICT_ATTEMPTS = 5;

/**
 * Runs `work` again when Postgres aborted it for a deadlock or serialization failure. `work` must be a whole
 * unit: one statement, or one transaction that re-reads what it decides on. Other errors pass through at once;
 * after the last attempt the conflict itself is thrown.
 */
export async function retryOnConflict<T>(work: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? CONFLICT_ATTEMPTS;
  const base = opts.baseDelayMs ?? 25;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !isTransientConflict(err)) throw err;
      opts.onRetry?.(err, attempt);
      const delay = base * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * delay));
    }
  }
}

type TxOptions = { maxWait?: number; timeout?: number };

/** `db.$transaction(fn)`, run again from the start when Postgres aborts it for a deadlock. */
export function transactionWithRetry<T>(db: PrismaClient, fn: (tx: Prisma.TransactionClient) => Promise<T>, options?: TxOptions, retry?: RetryOptions): Promise<T> {
  return retryOnConflict(() => db.$transaction(fn, options), retry);
}
