import { ROOT, localUrl, waitForHealth, webSpec, workerSpec } from "../../lib/app";
import { prepareDatabase } from "../../lib/database";
import { buildStale } from "../../lib/build";
import { logger } from "../../lib/log";
import { ensureServices } from "../../lib/services";
import { Supervisor } from "../../lib/supervisor";

// The production web server on a scratch database, as scripts/serve-e2e.ts starts it. Without `workerEnv` no
// worker runs (the emit function plays the worker's part on the live path); with it, the real worker process
// runs too, with those variables added (the OpenAI emulator's URL and key).

const log = logger("bench-app", "yellow");

export type BenchApp = { url: string; stop: () => Promise<void> };

export async function startBenchApp(opts: { port: number; databaseUrl: string; redisUrl: string; prefix: string; dataDir: string; workerEnv?: Record<string, string> }): Promise<BenchApp> {
  await ensureServices({ databaseUrl: opts.databaseUrl, redisUrl: opts.redisUrl, log });
  await prepareDatabase({ url: opts.databaseUrl, log, recreate: true });
  const host = "127.0.0.1";
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL: opts.redisUrl,
    HOST: host,
    PORT: String(opts.port),
    TUNEFORGE_DATA_DIR: opts.dataDir,
    TUNEFORGE_QUEUE_PREFIX: opts.prefix,
    TUNEFORGE_NO_SAMPLE: "1",
  };
  await buildStale({ root: ROOT, env, log, only: ["next"] });
  const supervisor = new Supervisor({ ownProcessGroups: true, graceMs: 5_000, nameWidth: 9, out: () => {} });
  supervisor.start(webSpec({ env, host, port: opts.port }));
  if (opts.workerEnv) supervisor.start(workerSpec({ env: { ...env, ...opts.workerEnv } }));
  const url = localUrl(host, opts.port);
  const health = await waitForHealth(url, { timeoutMs: 120_000, cancelled: supervisor.done });
  if (!health) {
    await supervisor.stop("web did not start", 1);
    throw new Error(`the web server did not answer ${url}/api/health within 120 s`);
  }
  return { url, stop: () => supervisor.stop("bench done") };
}
