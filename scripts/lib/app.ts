import path from "node:path";
import { createPrismaClient } from "../../lib/db/client";
import { seedSampleData } from "../../lib/sample/seed";
import { seedDefaultPrices } from "../../lib/pricing/list";
import type { Logger } from "./log";
import type { ChildSpec } from "./supervisor";

// The steps `npm start`, `npm run dev` and the e2e server share: database ready, sample data, and the
// command lines of the web and worker processes.

export const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * First-start data: the sample dataset (idempotent; TUNEFORGE_NO_SAMPLE turns it off) and the default price
 * table, so the overview and cost estimates see prices before anyone opens the Costs page.
 */
export async function seedSample(opts: { url: string; log: Logger }): Promise<void> {
  const db = createPrismaClient(opts.url);
  try {
    const { created } = await seedSampleData({ db });
    opts.log.info(created ? "sample dataset created" : "sample data: nothing to do (already seeded or turned off)");
    const prices = await seedDefaultPrices({ db });
    if (prices > 0) opts.log.info(`price table filled with ${prices} default price(s)`);
  } finally {
    await db.$disconnect();
  }
}

export type ProcessEnv = NodeJS.ProcessEnv;

/**
 * Idle keep-alive connections stay open this long. Node's default (5 s) closes a client's pooled connection while
 * the client may be sending its next request on it, which the client sees as ECONNRESET (a CLI or an API client that
 * polls every few seconds, a proxy in front). Longer than the usual clients' and proxies' own idle timeouts
 * (60 s), so they close first.
 */
export const WEB_KEEP_ALIVE_MS = 65_000;

export function webSpec(opts: { env: ProcessEnv; host: string; port: number; dev?: boolean }): ChildSpec {
  const next = path.join(ROOT, "node_modules/next/dist/bin/next");
  // `next dev` has no --keepAliveTimeout.
  const keepAlive = opts.dev ? [] : ["--keepAliveTimeout", String(WEB_KEEP_ALIVE_MS)];
  return {
    name: "web",
    color: "cyan",
    command: process.execPath,
    args: [next, opts.dev ? "dev" : "start", "-H", opts.host, "-p", String(opts.port), ...keepAlive],
    env: { ...opts.env, NEXT_TELEMETRY_DISABLED: "1" },
    cwd: ROOT,
  };
}

export function workerSpec(opts: { env: ProcessEnv; watch?: boolean }): ChildSpec {
  // `node --import tsx` runs the TypeScript entry in this very process (the tsx CLI would add a wrapper
  // process between us and the worker, and signals would have to cross it).
  const args = opts.watch ? ["--import", "tsx", "--watch", "workers/main.ts"] : ["--import", "tsx", "workers/main.ts"];
  return { name: "worker", color: "magenta", command: process.execPath, args, env: opts.env, cwd: ROOT };
}

/**
 * The GPU worker: consumes gpu-jobs (and inference once it has a processor) with concurrency 1 on one device
 * (TUNEFORGE_GPU_DEVICE, default 0) or, on a machine without CUDA, the CPU backend. One per GPU; more
 * machines run `node --import tsx workers/main.ts --gpu` against the same Postgres and Redis.
 */
export function gpuWorkerSpec(opts: { env: ProcessEnv; watch?: boolean }): ChildSpec {
  const args = ["--import", "tsx", ...(opts.watch ? ["--watch"] : []), "workers/main.ts", "--gpu"];
  return { name: "gpu", color: "cyan", command: process.execPath, args, env: opts.env, cwd: ROOT };
}

/** Where to reach a server listening on `host` from this machine (a wildcard address means loopback). */
export function localUrl(host: string, port: number): string {
  const h = host === "0.0.0.0" || host === "::" || host === "[::]" ? "127.0.0.1" : host;
  return `http://${h.includes(":") && !h.startsWith("[") ? `[${h}]` : h}:${port}`;
}

/**
 * Polls /api/health until the web answers (any HTTP status: the body says what is down, and a missing
 * worker must not stop us from printing the URL). Gives up when `cancelled` resolves or after `timeoutMs`.
 */
export async function waitForHealth(
  baseUrl: string,
  opts: { timeoutMs: number; cancelled: Promise<unknown> },
): Promise<{ status: number; body: unknown } | undefined> {
  let stop = false;
  void opts.cancelled.then(() => (stop = true));
  const deadline = Date.now() + opts.timeoutMs;
  while (!stop && Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(3000) });
      const body: unknown = await res.json().catch(() => undefined);
      return { status: res.status, body };
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return undefined;
}
