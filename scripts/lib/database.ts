import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import type { Logger } from "./log";

// Database set-up shared by `npm start`, `npm test`, `npm run db:migrate` and the integration-test setup.

/** Creates the database named in `url` when it does not exist (connects to the `postgres` database to do so). */
export async function ensureDatabase(url: string): Promise<{ created: boolean }> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ""));
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`Unsupported database name in DATABASE_URL: "${name}"`);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount) return { created: false };
    await client.query(`create database "${name}"`);
    return { created: true };
  } finally {
    await client.end();
  }
}

/** Drops and re-creates a database (tests only: every `npm test` starts from an empty one). */
export async function recreateDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ""));
  if (!/^[A-Za-z0-9_-]+$/.test(name) || !name.includes("test")) {
    throw new Error(`Refusing to drop "${name}": only databases whose name contains "test" are recreated`);
  }
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
}

/** The repository's migrations, wherever the caller runs from. */
const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../prisma/migrations");

/** Creates (or, for tests, recreates) the database and applies pending migrations. */
export async function prepareDatabase(opts: { url: string; log: Logger; recreate?: boolean }): Promise<void> {
  const name = new URL(opts.url).pathname.slice(1);
  if (opts.recreate) {
    await recreateDatabase(opts.url);
    opts.log.info(`database ${name} recreated empty`);
  } else if ((await ensureDatabase(opts.url)).created) {
    opts.log.info(`database ${name} created`);
  }
  const pending = await pendingMigrations(opts.url, MIGRATIONS_DIR);
  if (pending.length === 0) {
    opts.log.info(`database ${name} is up to date`);
    return;
  }
  opts.log.info(`applying ${pending.length} migration(s) to ${name}: ${pending.join(", ")}`);
  await migrateDeploy(opts.url, { quiet: true });
}

/** The line `prisma migrate deploy` ends with once every migration is applied and recorded (committed). */
const DEPLOY_DONE = /^(No pending migrations to apply\.|All migrations have been successfully applied\.)\s*$/m;

/**
 * Applies pending migrations with the Prisma CLI (offline JS engine; see prisma.config.ts). The CLI is stopped once
 * it has printed that every migration is applied: its WASM schema engine leaves a 10-second timer behind, which kept
 * each run alive 10 s after the work (about 12 s in all against 2), on the critical path of `npm start`, `npm test`
 * and every e2e stack.
 */
export function migrateDeploy(url: string, opts: { quiet?: boolean } = {}): Promise<void> {
  const cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "migrate", "deploy"], {
      env: {
        ...process.env,
        DATABASE_URL: url,
        // The JS engine needs no binaries; pointing these at an existing file stops download attempts.
        PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false",
        PRISMA_QUERY_ENGINE_LIBRARY: "/bin/false",
        PRISMA_HIDE_UPDATE_MESSAGE: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let applied = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (!applied && DEPLOY_DONE.test(stdout)) {
        applied = true;
        child.kill("SIGTERM");
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (err) => reject(new Error(`prisma migrate deploy could not start: ${err.message}`)));
    child.on("close", (code, signal) => {
      if (!applied && code !== 0) {
        reject(new Error(`prisma migrate deploy failed (${code === null ? signal : `exit code ${code}`}):\n${stdout}\n${stderr}`));
        return;
      }
      if (!opts.quiet) for (const line of stdout.split("\n").filter((l) => /migration|applied/i.test(l))) console.log(`[db] ${line.trim()}`);
      resolve();
    });
  });
}

/** Migration directories under `migrationsDir` (the ones `prisma migrate deploy` would apply), sorted. */
export function migrationNames(migrationsDir: string): string[] {
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(migrationsDir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort();
}

/**
 * Migrations not yet applied to the database at `url`. Asking Postgres takes milliseconds, while the Prisma
 * CLI needs seconds to start, so callers run `migrateDeploy` only when this list is not empty.
 */
export async function pendingMigrations(url: string, migrationsDir = "prisma/migrations"): Promise<string[]> {
  const all = migrationNames(migrationsDir);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const table = await client.query("select to_regclass('public._prisma_migrations') as t");
    if (!table.rows[0]?.t) return all;
    const done = await client.query<{ migration_name: string }>(
      "select migration_name from _prisma_migrations where finished_at is not null and rolled_back_at is null",
    );
    const applied = new Set(done.rows.map((r) => r.migration_name));
    return all.filter((name) => !applied.has(name));
  } finally {
    await client.end();
  }
}

/**
 * Deletes the keys under `prefix:` in the Redis database of `url` (tests only): the e2e stack empties its own
 * queues this way and leaves a vitest run's keys, in the same database under another prefix, alone.
 */
export async function deleteTestRedisPrefix(url: string, prefix: string): Promise<number> {
  if (!prefix) throw new Error("deleteTestRedisPrefix needs a non-empty prefix");
  return unlinkScanned(url, `${prefix}:*`, () => true);
}

/**
 * Empties the Redis database of `url` (tests only) except the keys `keep` picks: `npm test` starts from a clean
 * database but leaves e2e stacks that may be serving beside it (another checkout's run) their queues. db 0 is where
 * an installation keeps its queues by default, so it is refused: tests must name another index.
 */
export async function flushTestRedisExcept(url: string, keep: (key: string) => boolean): Promise<number> {
  const index = Number(new URL(url).pathname.replace(/^\//, "") || "0");
  if (!Number.isInteger(index) || index === 0) throw new Error(`Refusing to flush Redis db ${index} of ${url}: tests use a db index other than 0`);
  return unlinkScanned(url, null, (key) => !keep(key));
}

/** Unlinks the keys a SCAN (with `match`, or of every key) finds and `doomed` picks, page by page; says how many went. */
async function unlinkScanned(url: string, match: string | null, doomed: (key: string) => boolean): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000, retryStrategy: () => null });
  let deleted = 0;
  try {
    await client.connect();
    let cursor = "0";
    do {
      const [next, keys] = match ? await client.scan(cursor, "MATCH", match, "COUNT", 1000) : await client.scan(cursor, "COUNT", 1000);
      const picked = keys.filter(doomed);
      if (picked.length > 0) deleted += await client.unlink(...picked);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
  return deleted;
}
