import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import pg from "pg";
import { createRedis } from "../../lib/redis";
import type { Logger } from "./log";

// Postgres and Redis must answer before anything else runs. When one is down on this machine and its
// server is installed, we start it (the commands from shared/notes/offline-toolchain.md); otherwise we
// say exactly how to get one and stop, instead of letting Prisma or BullMQ hang on a dead socket.

export const DOCKER_HINT = "docker compose up -d postgres redis";

export type ProbeResult = { ok: true } | { ok: false; refused: boolean; error: string };

/** Errors that mean "nothing listens there" (as opposed to "something answered and said no"). */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOENT", "ETIMEDOUT", "EHOSTUNREACH", "ECONNRESET", "EAI_AGAIN"]);

function describe(err: unknown): { refused: boolean; error: string } {
  const e = err as { code?: string; message?: string };
  const message = e.message || e.code || String(err);
  const refused = (e.code !== undefined && UNREACHABLE.has(e.code)) || /timeout|ECONNREFUSED|terminated|closed/i.test(message);
  return { refused, error: message };
}

/** The maintenance database on the same server: ensureDatabase connects there too. */
function adminUrl(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  u.pathname = "/postgres";
  return u.toString();
}

export async function probePostgres(databaseUrl: string, timeoutMs = 2000): Promise<ProbeResult> {
  const client = new pg.Client({ connectionString: adminUrl(databaseUrl), connectionTimeoutMillis: timeoutMs });
  // A server that dies mid-probe emits 'error' on the client; without a listener that would crash us.
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
    return { ok: true };
  } catch (err) {
    return { ok: false, ...describe(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function probeRedis(redisUrl: string, timeoutMs = 2000): Promise<ProbeResult> {
  const client = createRedis("probe", redisUrl);
  // ioredis rejects with a bare "Connection is closed."; the 'error' event carries the cause (ECONNREFUSED…).
  let cause: unknown;
  client.on("error", (err) => (cause ??= err));
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([client.connect().then(() => client.ping()), timeout]);
    return { ok: true };
  } catch (err) {
    return { ok: false, ...describe(cause ?? err) };
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

export function isLocalHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function commandExists(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** Newest installed Debian Postgres cluster version (the directory names under /etc/postgresql). */
export function localPostgresVersion(): string | undefined {
  if (!commandExists("pg_ctlcluster") || !fs.existsSync("/etc/postgresql")) return undefined;
  const versions = fs
    .readdirSync("/etc/postgresql")
    .filter((v) => fs.existsSync(`/etc/postgresql/${v}/main`))
    .sort((a, b) => Number(a) - Number(b));
  return versions.at(-1);
}

type StartCommand = { cmd: string; args: string[] };

/** The port the local cluster is configured for (starting it only helps when that is the port we need). */
function clusterPort(version: string): number {
  const conf = fs.readFileSync(`/etc/postgresql/${version}/main/postgresql.conf`, "utf8");
  return Number(/^\s*port\s*=\s*(\d+)/m.exec(conf)?.[1] ?? 5432);
}

function postgresStartCommand(port: number): StartCommand | undefined {
  const version = localPostgresVersion();
  if (!version || clusterPort(version) !== port) return undefined;
  return { cmd: "pg_ctlcluster", args: ["--skip-systemctl-redirect", version, "main", "start"] };
}

function redisStartCommand(port: number): StartCommand | undefined {
  if (!commandExists("redis-server")) return undefined;
  // Redis keeps nothing on disk here (--save "" --appendonly no), but it still wants a working directory.
  let dir = "/var/lib/redis";
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    dir = os.tmpdir();
  }
  return {
    cmd: "redis-server",
    args: ["--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", String(port), "--save", "", "--appendonly", "no", "--dir", dir],
  };
}

export class ServiceUnavailableError extends Error {
  constructor(
    message: string,
    /** Whether `docker compose up -d postgres redis` would help (it would not fix a wrong password). */
    readonly suggestDocker = true,
  ) {
    super(message);
  }
}

type ServiceSpec = {
  name: "Postgres" | "Redis";
  url: string;
  probe: (url: string) => Promise<ProbeResult>;
  startCommand: () => StartCommand | undefined;
};

async function waitUntilUp(spec: ServiceSpec, timeoutMs: number): Promise<ProbeResult> {
  const deadline = Date.now() + timeoutMs;
  let last: ProbeResult = await spec.probe(spec.url);
  while (!last.ok && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    last = await spec.probe(spec.url);
  }
  return last;
}

async function ensureOne(spec: ServiceSpec, log: Logger): Promise<void> {
  let first = await spec.probe(spec.url);
  if (first.ok) return;
  // Postgres says "the database system is starting up" while it recovers: wait for it rather than start it.
  if (/starting up/i.test(first.error)) first = await waitUntilUp(spec, 20_000);
  if (first.ok) return;
  const host = new URL(spec.url).hostname;
  const where = `${spec.name} at ${host}:${new URL(spec.url).port || (spec.name === "Postgres" ? 5432 : 6379)}`;
  if (!first.refused) {
    // Something answered but refused us (bad password, missing role…): starting a server will not help.
    throw new ServiceUnavailableError(`${where} answered with an error: ${first.error}`, false);
  }
  const start = isLocalHost(host) ? spec.startCommand() : undefined;
  if (!start) {
    throw new ServiceUnavailableError(`${where} is not reachable (${first.error}) and there is no local ${spec.name} server to start.`);
  }
  log.info(`${spec.name} is down; starting it: ${start.cmd} ${start.args.map((a) => (a === "" ? '""' : a)).join(" ")}`);
  const run = spawnSync(start.cmd, start.args, { encoding: "utf8" });
  if (run.status !== 0) {
    throw new ServiceUnavailableError(`Could not start ${spec.name} (${start.cmd} exited with ${run.status}):\n${run.stdout}${run.stderr}`);
  }
  const after = await waitUntilUp(spec, 20_000);
  if (!after.ok) throw new ServiceUnavailableError(`${spec.name} was started but does not answer: ${after.error}`);
  log.info(`${spec.name} is up`);
}

const postgresSpec = (url: string): ServiceSpec => ({
  name: "Postgres",
  url,
  probe: probePostgres,
  startCommand: () => postgresStartCommand(Number(new URL(url).port || 5432)),
});
const redisSpec = (url: string): ServiceSpec => ({
  name: "Redis",
  url,
  probe: probeRedis,
  startCommand: () => redisStartCommand(Number(new URL(url).port || 6379)),
});

async function ensureAll(specs: ServiceSpec[], log: Logger): Promise<void> {
  // All at once: each probe is bounded by its own timeout, and each fix is independent of the others.
  const results = await Promise.allSettled(specs.map((spec) => ensureOne(spec, log)));
  const errors = results.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));
  if (errors.length === 0) return;
  const docker = errors.some((e) => !(e instanceof ServiceUnavailableError) || e.suggestDocker);
  const text = errors.map((e) => e.message).join("\n");
  throw new ServiceUnavailableError(docker ? `${text}\nStart the services with:\n\n    ${DOCKER_HINT}\n` : text, docker);
}

/** Makes sure Postgres answers (starting a local server when needed); throws ServiceUnavailableError. */
export function ensurePostgres(opts: { databaseUrl: string; log: Logger }): Promise<void> {
  return ensureAll([postgresSpec(opts.databaseUrl)], opts.log);
}

/** Makes sure Postgres and Redis answer, starting local servers when needed; throws ServiceUnavailableError. */
export function ensureServices(opts: { databaseUrl: string; redisUrl: string; log: Logger }): Promise<void> {
  return ensureAll([postgresSpec(opts.databaseUrl), redisSpec(opts.redisUrl)], opts.log);
}
