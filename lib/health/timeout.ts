// Every health check races a timer: a check that hangs (a firewalled host, a stuck pool) must turn into
// "down" within the caller's budget instead of holding the request open.

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = "TimeoutError";
  }
}

export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Milliseconds since `start` (from performance.now()), rounded to 0.1 ms. */
export function elapsedMs(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

/** One readable line for a failed check (Prisma wraps driver errors in several lines of preamble). */
export function errorMessage(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) return errorMessage(err.errors[0]);
  const text = err instanceof Error ? err.message || err.name : String(err);
  const driver = /Message: `([^`]+)`/.exec(text);
  if (driver?.[1]) return driver[1];
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  // "Invalid `prisma.x()` invocation in <file>", a code frame, then the cause on the last line.
  if (lines[0] && /^Invalid `.*` invocation/.test(lines[0])) return lines[lines.length - 1] ?? text;
  return lines.join(" ") || text;
}
