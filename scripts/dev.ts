import fs from "node:fs";
import { assertAuthConfigured } from "../lib/auth/startup";
import { dataDir, env } from "../lib/env";
import { gpuWorkerSpec, seedSample, webSpec, workerSpec } from "./lib/app";
import { prepareDatabase } from "./lib/database";
import { logger } from "./lib/log";
import { ensureServices } from "./lib/services";
import { Supervisor } from "./lib/supervisor";

// `npm run dev`: like `npm start`, but `next dev` (hot reload, output in .next/dev, so it can run beside a
// production build) and workers that restart when their code changes.

const log = logger("tuneforge");

async function main(): Promise<number> {
  const e = env();
  assertAuthConfigured(e);
  await ensureServices({ databaseUrl: e.DATABASE_URL, redisUrl: e.REDIS_URL, log });
  fs.mkdirSync(dataDir(e), { recursive: true });
  await prepareDatabase({ url: e.DATABASE_URL, log });
  await seedSample({ url: e.DATABASE_URL, log });

  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "development",
    DATABASE_URL: e.DATABASE_URL,
    REDIS_URL: e.REDIS_URL,
    TUNEFORGE_DATA_DIR: dataDir(e),
  };
  const supervisor = new Supervisor({ ownProcessGroups: true, graceMs: 10_000, nameWidth: 9 });
  supervisor.handleSignals();
  supervisor.start(webSpec({ env: childEnv, host: e.HOST, port: e.PORT, dev: true }));
  supervisor.start(workerSpec({ env: childEnv, watch: true }));
  supervisor.start(gpuWorkerSpec({ env: childEnv, watch: true }));
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
