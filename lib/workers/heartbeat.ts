import os from "node:os";
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import { loadNativeAddon } from "../../native/index";

// Each worker process publishes itself at `<prefix>:workers:<id>` with a short TTL and refreshes it, so
// "N workers online" is simply the number of live keys: a crashed worker disappears within the TTL,
// a cleanly stopped one deletes its key at once.

export const HEARTBEAT_TTL_MS = 15_000;
export const HEARTBEAT_INTERVAL_MS = 5_000;

export const deviceSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  memoryMiB: z.number().optional(),
  /** A CUDA device's GEMMs as the worker's addon sees them ("cublaslt …" / "wmma (why)"; lib/health/native.ts). */
  gemms: z.string().optional(),
});

export const workerInfoSchema = z.object({
  id: z.string(),
  pid: z.number().int(),
  hostname: z.string(),
  queues: z.array(z.string()),
  startedAt: z.string(),
  lastSeenAt: z.string(),
  /** GPU workers list their devices; absent on CPU-only workers. */
  devices: z.array(deviceSchema).optional(),
  /** The host's memory at the last beat (the CPU backend trains in RAM). Absent from older workers. */
  ram: z.object({ totalBytes: z.number(), freeBytes: z.number() }).optional(),
  /** Compute backends the native addon was built with ("cpu", "cuda"); absent when it is not built. */
  backends: z.array(z.string()).optional(),
});

export type WorkerInfo = z.infer<typeof workerInfoSchema>;
export type WorkerDevice = z.infer<typeof deviceSchema>;

export function heartbeatKey(prefix: string, workerId: string): string {
  return `${prefix}:workers:${workerId}`;
}

/** hostname-pid-random: readable in the UI and unique even when a pid is reused after a restart. */
export function newWorkerId(): string {
  return `${os.hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

export type Heartbeat = {
  readonly id: string;
  readonly key: string;
  /** Writes the key now (also done on start and every interval). */
  beat(): Promise<void>;
  /** Stops refreshing and deletes the key. */
  stop(): Promise<void>;
};

export type HeartbeatOptions = {
  redis: Redis;
  prefix: string;
  queues: string[];
  id?: string;
  devices?: WorkerDevice[];
  /** Defaults to what the native addon reports; [] or an unbuilt addon leaves the field out. */
  backends?: string[];
  intervalMs?: number;
  ttlMs?: number;
  onError?: (err: Error) => void;
};

export async function startHeartbeat(opts: HeartbeatOptions): Promise<Heartbeat> {
  const id = opts.id ?? newWorkerId();
  const key = heartbeatKey(opts.prefix, id);
  const ttlMs = opts.ttlMs ?? HEARTBEAT_TTL_MS;
  const startedAt = new Date().toISOString();
  const onError = opts.onError ?? ((err) => console.error(`[heartbeat] ${err.message}`));
  let stopped = false;
  const backends = opts.backends ?? builtBackends();

  async function beat(): Promise<void> {
    const info: WorkerInfo = {
      id,
      pid: process.pid,
      hostname: os.hostname(),
      queues: opts.queues,
      startedAt,
      lastSeenAt: new Date().toISOString(),
      ...(opts.devices ? { devices: opts.devices } : {}),
      ram: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
      ...(backends.length > 0 ? { backends } : {}),
    };
    await opts.redis.set(key, JSON.stringify(info), "PX", ttlMs);
  }

  // The first beat must succeed: a worker that cannot reach Redis should not claim to have started.
  await beat();
  const timer = setInterval(() => {
    if (stopped) return;
    // A missed beat is not fatal (Redis may be restarting); the key expires if it keeps failing.
    beat().catch((err: Error) => onError(err));
  }, opts.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  timer.unref();

  return {
    id,
    key,
    beat,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await opts.redis.del(key);
    },
  };
}

/** The addon's compiled backends, or [] when it is not built (the dashboard runs without local training). */
function builtBackends(): string[] {
  try {
    return loadNativeAddon().backendsBuilt();
  } catch {
    return [];
  }
}

/** Every live worker under `prefix`, oldest first. Malformed keys (another version) are ignored. */
export async function listWorkers(redis: Redis, prefix: string): Promise<WorkerInfo[]> {
  const keys: string[] = [];
  // SCAN, not KEYS: a shared Redis may hold many keys and KEYS blocks it.
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", heartbeatKey(escapeGlob(prefix), "*"), "COUNT", 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  const workers: WorkerInfo[] = [];
  for (const value of values) {
    if (!value) continue; // expired between SCAN and MGET
    const parsed = workerInfoSchema.safeParse(safeJson(value));
    if (parsed.success) workers.push(parsed.data);
  }
  return workers.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
