import { createPrismaClient } from "../../lib/db/client";
import { describeGemms, gemmsHint } from "../../lib/health/gpu-words";
import { nativeAddonDisplayPath, nativeStatus } from "../../lib/health/native";
import type { CudaDeviceInfo } from "../../native/index";
import { checkDatabase, probeRedis, type QueueCounts } from "../../lib/health/services";
import { CHROMIUM_INSTALL_HINT, chromiumStatus } from "../../lib/health/chromium";
import {
  migrationStatus,
  MIN_NODE_VERSION,
  modelsDirStatus,
  satisfiesMinVersion,
  type MigrationStatus,
} from "../../lib/health/system";
import { errorMessage } from "../../lib/health/timeout";
import { redactRedisUrl } from "../../lib/redis";
import type { WorkerInfo } from "../../lib/workers/heartbeat";

// `tuneforge doctor`: every check returns a status, a one-line message and, unless all is well, a hint
// that says what to do. node, database and redis are essential (nothing runs without them); the rest
// warn, because tuneforge still works without workers online, the native addon, Chromium or models.

export type CheckStatus = "ok" | "warn" | "fail";
type Check<D> = { status: CheckStatus; message: string; hint?: string } & D;

export type DoctorReport = {
  ok: boolean;
  checks: {
    node: Check<{ version: string; required: string }>;
    database: Check<{ url: string; latencyMs: number | null; migrations: MigrationStatus | null }>;
    redis: Check<{ url: string; latencyMs: number | null }>;
    workers: Check<{ online: number; workers: WorkerInfo[]; queues: QueueCounts[] }>;
    native: Check<{ built: boolean; backendsBuilt: string[]; cudaDevices: CudaDeviceInfo[]; cudaReason: string | null; cudaGemms: string | null; path: string }>;
    chromium: Check<{ path: string; version: string | null }>;
    modelsDir: Check<{ path: string; exists: boolean; readable: boolean; models: number }>;
  };
};

export const ESSENTIAL_CHECKS = ["node", "database", "redis"] as const;

export type DoctorOptions = {
  root: string;
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  modelsDir: string;
  chromiumPath?: string;
  nodeVersion?: string;
  timeoutMs?: number;
};

export function redactUrl(url: string): string {
  return url.startsWith("redis") ? redactRedisUrl(url) : redactDatabaseUrl(url);
}

function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(invalid DATABASE_URL)";
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function nodeCheck(version: string): DoctorReport["checks"]["node"] {
  const ok = satisfiesMinVersion(version, MIN_NODE_VERSION);
  return {
    status: ok ? "ok" : "fail",
    message: `${version} (needs >= ${MIN_NODE_VERSION})`,
    ...(ok ? {} : { hint: `install Node.js ${MIN_NODE_VERSION} or newer (Next 16 requires it), e.g. from nodejs.org or nvm` }),
    version,
    required: MIN_NODE_VERSION,
  };
}

async function databaseCheck(opts: DoctorOptions, timeoutMs: number): Promise<DoctorReport["checks"]["database"]> {
  const url = redactUrl(opts.databaseUrl);
  const db = createPrismaClient(opts.databaseUrl);
  try {
    const conn = await checkDatabase(db, timeoutMs);
    if (!conn.ok) {
      const missingDb = /does not exist/i.test(conn.error ?? "");
      return {
        status: "fail",
        message: `cannot connect: ${conn.error}`,
        hint: missingDb
          ? "create and migrate it: `npm run db:migrate` (or `npm start`, which does both)"
          : "start Postgres (`npm start` starts a local one; or `docker compose up -d postgres`) or fix DATABASE_URL",
        url,
        latencyMs: null,
        migrations: null,
      };
    }
    const m = await migrationStatus(db, opts.root, timeoutMs);
    const base = { url, latencyMs: conn.latencyMs, migrations: m };
    if (m.failed.length) {
      return { status: "fail", message: `migration failed: ${m.failed.join(", ")}`, hint: "inspect the database, then `npx prisma migrate resolve --rolled-back <name>` and `npm run db:migrate`", ...base };
    }
    if (m.pending.length) {
      return { status: "fail", message: `${plural(m.pending.length, "migration")} not applied: ${m.pending.join(", ")}`, hint: "apply them: `npm run db:migrate`", ...base };
    }
    const newer = m.unknown.length ? `; ${plural(m.unknown.length, "migration")} from a newer checkout` : "";
    return {
      status: m.unknown.length ? "warn" : "ok",
      message: `connected in ${conn.latencyMs} ms; ${plural(m.applied.length, "migration")} applied${newer}`,
      ...(m.unknown.length ? { hint: `this checkout lacks ${m.unknown.join(", ")}: update it (git pull)` } : {}),
      ...base,
    };
  } catch (err) {
    return { status: "fail", message: errorMessage(err), hint: "check DATABASE_URL and that the database is reachable", url, latencyMs: null, migrations: null };
  } finally {
    await db.$disconnect().catch(() => undefined);
  }
}

export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const [database, probe, models] = await Promise.all([
    databaseCheck(opts, timeoutMs),
    probeRedis({ url: opts.redisUrl, prefix: opts.prefix, timeoutMs }),
    modelsDirStatus(opts.modelsDir),
  ]);

  const redisUrl = redactUrl(opts.redisUrl);
  const redis: DoctorReport["checks"]["redis"] = probe.redis.ok
    ? { status: "ok", message: `connected in ${probe.redis.latencyMs} ms`, url: redisUrl, latencyMs: probe.redis.latencyMs }
    : {
        status: "fail",
        message: `cannot connect: ${probe.redis.error}`,
        hint: "start Redis (`npm start` starts a local redis-server; or `docker compose up -d redis`) or fix REDIS_URL",
        url: redisUrl,
        latencyMs: null,
      };

  const online = probe.workers ?? [];
  const idle = probe.queues.filter((q) => q.consumers === 0).map((q) => q.name);
  // A GPU worker whose GEMMs run on the built-in kernels for want of libcublasLt (its own environment decides, so
  // its heartbeat says): the first of them, with the fix.
  const slowGpu = online
    .flatMap((w) => (w.devices ?? []).map((d) => ({ w, d, hint: gemmsHint({ cudaDevices: [d], cudaGemms: d.gemms }) })))
    .find((x) => x.hint);
  const workers: DoctorReport["checks"]["workers"] = !probe.redis.ok
    ? { status: "warn", message: "unknown (Redis is down)", hint: "fix Redis first", online: 0, workers: [], queues: [] }
    : online.length === 0
      ? { status: "warn", message: "none online; queued jobs wait", hint: "start them: `npm start` (web + workers) or `npx tsx workers/main.ts`", online: 0, workers: [], queues: probe.queues }
      : {
          status: slowGpu ? "warn" : "ok",
          message:
            `${online.length} online${idle.length ? `; no consumer yet for ${idle.join(", ")}` : ""}` +
            (slowGpu ? `; ${slowGpu.w.id} on ${slowGpu.d.name}: GEMMs on ${describeGemms(slowGpu.d.gemms!)}` : ""),
          ...(slowGpu ? { hint: `${slowGpu.w.id}: ${slowGpu.hint}` } : {}),
          online: online.length,
          workers: online,
          queues: probe.queues,
        };

  const n = nativeStatus(opts.root);
  // GEMMs that would run on our slower kernels for want of libcublasLt, or fail for a bad TF_CUDA_GEMM: a warning with
  // the fix (this process's environment; the workers should share it).
  const gemms = n.ok ? gemmsHint(n) : null;
  const native: DoctorReport["checks"]["native"] = {
    status: n.ok && !gemms ? "ok" : "warn",
    message: n.message,
    ...(n.ok
      ? gemms ? { hint: gemms } : {}
      : { hint: n.built ? "rebuild it: `npm start` rebuilds a stale addon" : "only local training needs it: run `npm run native:build` (needs g++ and Node headers) and read its output" }),
    built: n.built,
    backendsBuilt: n.backendsBuilt,
    cudaDevices: n.cudaDevices,
    cudaReason: n.cudaReason,
    cudaGemms: n.cudaGemms,
    path: nativeAddonDisplayPath(opts.root),
  };

  const c = chromiumStatus(opts.chromiumPath);
  const chromium: DoctorReport["checks"]["chromium"] = c.version
    ? { status: "ok", message: c.version, path: c.path, version: c.version }
    : {
        status: "warn",
        message: c.found ? `${c.path} does not run: ${c.error}` : `${c.path} not found`,
        hint: `only the e2e tests need it: \`sudo ${CHROMIUM_INSTALL_HINT}\``,
        path: c.path,
        version: null,
      };

  const modelsDir: DoctorReport["checks"]["modelsDir"] = {
    status: models.readable ? "ok" : "warn",
    message: !models.exists
      ? `${models.path} does not exist`
      : !models.readable
        ? `${models.path} is not readable: ${models.error}`
        : `${models.path}: ${plural(models.models, "model folder")} with a config.json`,
    ...(models.readable
      ? models.models === 0 ? { hint: "put Hugging Face model folders (config.json, *.safetensors, tokenizer files) in it for local training" } : {}
      : { hint: `create it (\`mkdir -p ${models.path}\`) and put Hugging Face model folders in it, or set TUNEFORGE_MODELS_DIR` }),
    path: models.path,
    exists: models.exists,
    readable: models.readable,
    models: models.models,
  };

  const checks = { node: nodeCheck(opts.nodeVersion ?? process.version), database, redis, workers, native, chromium, modelsDir };
  return { ok: ESSENTIAL_CHECKS.every((k) => checks[k].status !== "fail"), checks };
}
