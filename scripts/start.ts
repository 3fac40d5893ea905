import fs from "node:fs";
import { parseArgs } from "node:util";
import { assertAuthConfigured } from "../lib/auth/startup";
import { authRequired, dataDir, env, type Env } from "../lib/env";
import { ROOT, gpuWorkerSpec, localUrl, seedSample, waitForHealth, webSpec, workerSpec } from "./lib/app";
import { buildStale } from "./lib/build";
import { pendingMigrations, prepareDatabase } from "./lib/database";
import { logger, paint, seconds } from "./lib/log";
import { ServiceUnavailableError, ensureServices } from "./lib/services";
import { Supervisor } from "./lib/supervisor";

// `npm start` (scripts/start.sh installs dependencies first, then runs this):
// services up → database created + migrated → sample data → stale builds → web + workers supervised.
//   --only web       the web server alone (docker compose `web`; it also migrates and seeds)
//   --only workers   the workers alone (docker compose `worker`; waits for the web's migrations)
//   --only gpu-worker  one GPU worker alone (docker compose `gpu-worker`, or another host; waits for migrations)
//   --build-only     build what is stale and exit (the Dockerfile's build step)

const log = logger("tuneforge");

type Role = "all" | "web" | "workers" | "gpu-worker";
const ROLES: readonly Role[] = ["web", "workers", "gpu-worker"];

function parseCli(argv: string[]): { role: Role; buildOnly: boolean; t0: number } {
  const { values } = parseArgs({
    args: argv,
    options: { only: { type: "string" }, "build-only": { type: "boolean" }, "t0-ms": { type: "string" } },
    strict: true,
  });
  if (values.only !== undefined && !ROLES.includes(values.only as Role)) {
    throw new Error(`--only takes "web", "workers" or "gpu-worker", not "${values.only}"`);
  }
  const t0 = Number(values["t0-ms"]);
  return { role: (values.only as Role | undefined) ?? "all", buildOnly: values["build-only"] ?? false, t0: Number.isFinite(t0) && t0 > 0 ? t0 : Date.now() };
}

/** The environment every child gets: the caller's, with the validated values spelled out. */
function childEnv(e: Env): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: "production",
    DATABASE_URL: e.DATABASE_URL,
    REDIS_URL: e.REDIS_URL,
    HOST: e.HOST,
    PORT: String(e.PORT),
    TUNEFORGE_DATA_DIR: dataDir(e),
  };
}

/** The worker container may start before the web container has migrated; wait instead of crashing. */
async function waitForMigrations(url: string): Promise<void> {
  const deadline = Date.now() + 5 * 60_000;
  let said = false;
  for (;;) {
    const pending = await pendingMigrations(url, `${ROOT}/prisma/migrations`).catch((err: Error) => [err.message]);
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`database still not migrated after 5 minutes (pending: ${pending.join(", ")})`);
    if (!said) log.info(`waiting for the web process to migrate the database (${pending.join(", ")})`);
    said = true;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function main(): Promise<number> {
  const cli = parseCli(process.argv.slice(2));
  const e = env();
  const cenv = childEnv(e);
  const timings: [string, number][] = [["deps", Date.now() - cli.t0]];
  let mark = Date.now();
  const lap = (name: string) => {
    timings.push([name, Date.now() - mark]);
    mark = Date.now();
  };

  if (cli.buildOnly) {
    await buildStale({ root: ROOT, env: cenv, log });
    return 0;
  }
  // The workers never listen on HOST, so only a process that serves pages needs the password.
  if (cli.role === "all" || cli.role === "web") assertAuthConfigured(e);

  await ensureServices({ databaseUrl: e.DATABASE_URL, redisUrl: e.REDIS_URL, log });
  lap("services");
  fs.mkdirSync(dataDir(e), { recursive: true });

  if (cli.role === "workers" || cli.role === "gpu-worker") {
    await waitForMigrations(e.DATABASE_URL);
    lap("database");
  } else {
    await prepareDatabase({ url: e.DATABASE_URL, log });
    lap("database");
    await seedSample({ url: e.DATABASE_URL, log });
    lap("sample");
    await buildStale({ root: ROOT, env: cenv, log });
    lap("build");
  }

  const supervisor = new Supervisor({ ownProcessGroups: true, graceMs: 15_000, nameWidth: 9 });
  supervisor.handleSignals();
  if (cli.role === "all" || cli.role === "web") supervisor.start(webSpec({ env: cenv, host: e.HOST, port: e.PORT }));
  if (cli.role === "all" || cli.role === "workers") supervisor.start(workerSpec({ env: cenv }));
  if (cli.role === "all" || cli.role === "gpu-worker") supervisor.start(gpuWorkerSpec({ env: cenv }));

  if (cli.role === "all" || cli.role === "web") {
    const url = localUrl(e.HOST, e.PORT);
    const health = await waitForHealth(url, { timeoutMs: 120_000, cancelled: supervisor.done });
    lap("web ready");
    if (health) {
      const total = Date.now() - cli.t0;
      const parts = timings.map(([name, ms]) => `${name} ${seconds(ms)}`).join(", ");
      supervisor.note(`${paint("green", "ready")} at ${paint("bold", url)}  (set-up ${seconds(total)}: ${parts})`);
      if (authRequired(e)) supervisor.note(`listening on ${e.HOST}:${e.PORT}; sign-in required`);
    } else {
      supervisor.note(paint("yellow", `the web server did not answer ${url}/api/health within 120 s; still waiting on it`));
    }
  } else {
    supervisor.note(`workers started (set-up ${seconds(Date.now() - cli.t0)})`);
  }

  const result = await supervisor.done;
  supervisor.note(result.code === 0 ? "stopped" : `stopped because ${result.reason}`);
  return result.code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ServiceUnavailableError) log.error(err.message);
    else log.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
