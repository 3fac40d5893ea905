import pg from "pg";

// Prisma's WASM schema engine reads catalog columns of Postgres types `name` (oid 19) and `char` (18),
// which the pg driver adapter cannot map ("Column type 'name' could not be deserialized"). Reporting
// them as `text` (25) — and their array types as `text[]` — lets `migrate deploy` and the query
// compiler work offline. Values are already strings, so nothing else changes.
const REMAP: Record<number, number> = { 19: 25, 18: 25, 1003: 1009, 1002: 1009 };

function remapFields(result: unknown): void {
  const results = Array.isArray(result) ? result : [result];
  for (const r of results) {
    const fields = (r as { fields?: { dataTypeID: number }[] } | undefined)?.fields;
    if (!fields) continue;
    for (const f of fields) {
      const to = REMAP[f.dataTypeID];
      if (to !== undefined) f.dataTypeID = to;
    }
  }
}

class RemappingClient extends pg.Client {
  // pg's query has promise and callback forms (pg.Pool.query uses the callback one); remap both.
  override query(...args: unknown[]): never {
    const last = args[args.length - 1];
    if (typeof last === "function") {
      const callback = last as (err: unknown, res: unknown) => void;
      args[args.length - 1] = (err: unknown, res: unknown) => {
        if (!err) remapFields(res);
        callback(err, res);
      };
    }
    const out = (super.query as (...a: unknown[]) => unknown)(...args);
    if (out && typeof (out as Promise<unknown>).then === "function") {
      return (out as Promise<unknown>).then((r) => {
        remapFields(r);
        return r;
      }) as never;
    }
    return out as never;
  }
}

/**
 * `allowExitOnIdle` lets a short-lived process (the Prisma CLI, scripts) exit as soon as its work is done
 * instead of waiting for idle connections to time out.
 */
export function createPgPool(connectionString: string, opts: { max?: number; allowExitOnIdle?: boolean } = {}): pg.Pool {
  return new pg.Pool({
    connectionString,
    max: opts.max ?? 10,
    allowExitOnIdle: opts.allowExitOnIdle ?? false,
    Client: RemappingClient as unknown as typeof pg.Client,
  });
}
