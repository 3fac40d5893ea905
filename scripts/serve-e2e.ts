import fs from "node:fs";
import { parseArgs } from "node:util";
import path from "node:path";
import { writeTinyModel } from "../lib/testing/tiny-model";
import { startOpenAIEmulator } from "../test/openai-emulator/server";
import { ROOT, gpuWorkerSpec, localUrl, seedSample, waitForHealth, webSpec, workerSpec } from "./lib/app";
import { prepareDatabase } from "./lib/database";
import { buildStale } from "./lib/build";
import { deleteTestRedisPrefix } from "./lib/database";
import { logger, seconds } from "./lib/log";
import { ensureServices } from "./lib/services";
import { Supervisor } from "./lib/supervisor";
import { E2E_TINY_MODEL, testSettings } from "./lib/test-env";

// One e2e stack as Playwright sees it (playwright.config.ts webServer, one per Playwright worker): production build,
// web + workers on port 3100 + k and the OpenAI emulator on 3199 + k, against a database, queue prefix and data
// directory of their own (scripts/lib/test-env.ts) that start empty on every run, so each stack sees exactly a first
// start (sample data included).
//   npx tsx scripts/serve-e2e.ts [--stack 0]        (E2E_PORT moves every stack's ports)
// Playwright ends it by killing our process group, so the children stay in that group.

const log = logger("e2e-serve", "yellow");

// A small job (tens of examples → ~100–150 steps with OpenAI's "auto" epochs) shows its curve growing for
// ~12–18 s after ~3 s of file processing, validation and queueing: long enough for a spec to watch it live,
// short enough to finish within the spec. Specs flip faults at run time via POST /_emulator/faults.
const E2E_EMULATOR_TIMING = { fileProcessingMs: 300, validatingMs: 1500, queuedMs: 1000, stepMs: 120 };

async function main(): Promise<number> {
  const t0 = Date.now();
  const { values } = parseArgs({ options: { stack: { type: "string", default: "0" } }, strict: true });
  const t = testSettings({ ...process.env, E2E_STACK: values.stack });
  const { web: port, emulator: emulatorPort } = t.e2ePorts;
  const host = "127.0.0.1";

  await ensureServices({ databaseUrl: t.e2eDatabaseUrl, redisUrl: t.redisUrl, log });
  fs.rmSync(t.e2eDataDir, { recursive: true, force: true });
  fs.mkdirSync(t.e2eDataDir, { recursive: true });
  // Only the e2e prefix: a vitest tier of another run may be using the same Redis database under its own.
  await deleteTestRedisPrefix(t.redisUrl, t.e2eQueuePrefix);
  await prepareDatabase({ url: t.e2eDatabaseUrl, log, recreate: true });
  await seedSample({ url: t.e2eDatabaseUrl, log });
  // No weights can be downloaded here: local-training specs use a generated tiny chat model (ChatML template).
  const modelsDir = path.join(t.e2eDataDir, "models");
  writeTinyModel({ dir: path.join(modelsDir, E2E_TINY_MODEL), preset: "tiny", seed: 7 });

  const emulator = await startOpenAIEmulator({ port: emulatorPort, host, timing: E2E_EMULATOR_TIMING });
  log.info(`OpenAI emulator at ${emulator.url}`);

  const { OPENAI_API_KEY: _key, OPENAI_ORG_ID: _org, OPENAI_PROJECT_ID: _project, E2E_BASE_URL: _external, ...inherited } = process.env;
  const childEnv: NodeJS.ProcessEnv = {
    // The developer's own OpenAI settings must not leak into the tests: every e2e run starts unconfigured,
    // and the default provider endpoint is the emulator, so nothing can reach the real API.
    ...inherited,
    NODE_ENV: "production",
    DATABASE_URL: t.e2eDatabaseUrl,
    REDIS_URL: t.redisUrl,
    HOST: host,
    PORT: String(port),
    TUNEFORGE_DATA_DIR: t.e2eDataDir,
    TUNEFORGE_MODELS_DIR: modelsDir,
    TUNEFORGE_QUEUE_PREFIX: t.e2eQueuePrefix,
    // Jobs the monitoring specs insert play the worker's part themselves (rows + live messages); the periodic
    // reconcile would hand them to the real worker too, which would poll OpenAI for their made-up remote ids.
    // Jobs launched through the API are enqueued directly, and reconciling at worker start is unchanged.
    TUNEFORGE_RECONCILE_MS: String(60 * 60 * 1000),
    OPENAI_BASE_URL: emulator.url,
  };
  await buildStale({ root: ROOT, env: childEnv, log });

  const supervisor = new Supervisor({ ownProcessGroups: false, graceMs: 5_000, nameWidth: 9 });
  supervisor.onStop(() => emulator.close());
  supervisor.handleSignals();
  supervisor.start(webSpec({ env: childEnv, host, port }));
  supervisor.start(workerSpec({ env: childEnv }));
  // Local-training specs run on the CPU backend with one thread, so a tiny model's curve grows at a pace a
  // browser can watch and the other processes keep a core.
  supervisor.start(gpuWorkerSpec({ env: { ...childEnv, TUNEFORGE_LOCAL_BACKEND: "cpu", TUNEFORGE_LOCAL_THREADS: "1" } }));

  const url = localUrl(host, port);
  const health = await waitForHealth(url, { timeoutMs: 120_000, cancelled: supervisor.done });
  if (health) supervisor.note(`e2e stack ${t.e2eStack} ready at ${url} (set-up ${seconds(Date.now() - t0)})`);
  else supervisor.note(`web did not answer ${url}/api/health within 120 s`);

  const result = await supervisor.done;
  return result.code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
