import type { PrismaClient } from "@prisma/client";
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { env } from "../lib/env";
import type { QueueName } from "../lib/queue/contracts";
import { createQueueSet } from "../lib/queue/queues";
import { upsertSystemSchedules } from "../lib/queue/schedules";
import { createRedis } from "../lib/redis";
import { newWorkerId, startHeartbeat, type WorkerDevice } from "../lib/workers/heartbeat";
import { reconcileJobs } from "../lib/workers/reconcile";
import { CONCURRENCY, MAX_STALLED, PROCESSORS, consumableQueues, defaultQueues } from "./processors";

// One worker process: reconcile Postgres into the queues (at start and then periodically, so a Redis that
// was flushed while we run gets its jobs back), start a BullMQ Worker per consumed queue, publish a
// heartbeat, and close all of it in order. workers/main.ts adds signals; tests call this directly.

export type Logger = { info(msg: string): void; warn(msg: string): void; error(msg: string): void };

export type WorkerProcessOptions = {
  db: PrismaClient;
  redisUrl: string;
  prefix: string;
  /** Queues to consume; defaults to every queue that has a processor except the GPU ones (see GPU_QUEUES). */
  queues?: QueueName[];
  devices?: WorkerDevice[];
  /** How long close() lets running jobs finish before abandoning them (they are then picked up again as stalled). */
  closeGraceMs?: number;
  log?: Logger;
  /** Reconcile period; defaults to TUNEFORGE_RECONCILE_MS. */
  reconcileMs?: number;
  /** BullMQ lock duration and stalled-job check period; default TUNEFORGE_WORKER_LOCK_MS / _STALLED_MS. */
  lockMs?: number;
  stalledMs?: number;
};

export type WorkerProcess = {
  id: string;
  queues: QueueName[];
  heartbeatKey: string;
  close(): Promise<void>;
};

const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

export async function startWorkerProcess(opts: WorkerProcessOptions): Promise<WorkerProcess> {
  const log = opts.log ?? consoleLogger;
  const consumed = opts.queues ?? defaultQueues();
  // Known before the processors start, so jobs can record which worker runs them.
  const workerId = newWorkerId();
  const missing = consumed.filter((q) => !PROCESSORS[q]);
  if (missing.length) {
    throw new Error(`No processor for queue(s) ${missing.join(", ")} in this version; consumable: ${consumableQueues().join(", ")}`);
  }

  // Short commands (enqueue, heartbeat) share one connection; each Worker gets its own because it blocks.
  const client = createRedis("client", opts.redisUrl);
  client.on("error", (err) => log.warn(`[redis] ${err.message}`));
  const queueSet = createQueueSet({ connection: client, prefix: opts.prefix, onError: (q, err) => log.warn(`[queue ${q}] ${err.message}`) });
  const workers: Worker[] = [];
  // BullMQ does not close connections it was handed, so they are tracked and quit here.
  const workerConnections: Redis[] = [];

  async function closeConnections(): Promise<void> {
    await queueSet.close();
    await Promise.all([client, ...workerConnections].map((c) => c.quit().catch(() => c.disconnect())));
  }

  // Long-running processors (hosted fine-tunes poll for hours) stop between steps when this aborts.
  const shutdown = new AbortController();
  const e = env();

  try {
    const r = await reconcileJobs({ db: opts.db, queues: queueSet });
    log.info(`[reconcile] ${r.entries.length} unfinished job(s) in Postgres: ${r.enqueued} enqueued, ${r.requeued} re-queued, ${r.present} already queued`);
    if (consumed.includes("system")) await upsertSystemSchedules(queueSet);

    for (const name of consumed) {
      const factory = PROCESSORS[name]!;
      const connection = createRedis("bullmq", opts.redisUrl);
      workerConnections.push(connection);
      const worker = new Worker(name, factory({ db: opts.db, log, redis: client, prefix: opts.prefix, signal: shutdown.signal, workerId }), {
        connection,
        prefix: opts.prefix,
        concurrency: CONCURRENCY[name] ?? 1,
        // A SIGKILLed worker's active job is handed to another worker once its lock lapses (checked every stalledMs).
        lockDuration: opts.lockMs ?? e.TUNEFORGE_WORKER_LOCK_MS,
        stalledInterval: opts.stalledMs ?? e.TUNEFORGE_WORKER_STALLED_MS,
        maxStalledCount: MAX_STALLED[name] ?? 1,
      });
      worker.on("error", (err) => log.error(`[worker ${name}] ${err.message}`));
      // Payloads may hold personal data (dataset rows): log ids and reasons only.
      worker.on("failed", (job, err) => log.warn(`[worker ${name}] job ${job?.id ?? "?"} (${job?.name ?? "?"}) failed: ${err.message}`));
      workers.push(worker);
    }
    await Promise.all(workers.map((w) => w.waitUntilReady()));
  } catch (err) {
    await Promise.all(workers.map((w) => w.close(true)));
    await closeConnections();
    throw err;
  }

  const heartbeat = await startHeartbeat({
    redis: client,
    prefix: opts.prefix,
    id: workerId,
    queues: consumed,
    devices: opts.devices,
    onError: (err) => log.warn(`[heartbeat] ${err.message}`),
  });
  log.info(`[worker] ${heartbeat.id} consuming ${consumed.join(", ")} (prefix ${opts.prefix})`);
  const stopReconciling = startPeriodicReconcile({ ...opts, queueSet, consumed, log, everyMs: opts.reconcileMs ?? e.TUNEFORGE_RECONCILE_MS });

  let closing: Promise<void> | undefined;
  return {
    id: heartbeat.id,
    queues: consumed,
    heartbeatKey: heartbeat.key,
    close() {
      closing ??= (async () => {
        // Stop taking jobs and let running ones finish; past the grace period abandon them, and BullMQ's
        // stalled-job check hands them to the next worker.
        stopReconciling();
        shutdown.abort();
        const grace = opts.closeGraceMs ?? 10_000;
        const graceful = Promise.all(workers.map((w) => w.close())).then(() => true);
        const timer = new Promise<false>((resolve) => setTimeout(() => resolve(false), grace).unref());
        if (!(await Promise.race([graceful, timer]))) {
          log.warn(`[worker] jobs still running after ${grace} ms; abandoning them`);
          await Promise.all(workers.map((w) => w.close(true)));
        }
        await heartbeat.stop().catch((err: Error) => log.warn(`[heartbeat] could not remove key: ${err.message}`));
        await closeConnections();
        log.info(`[worker] ${heartbeat.id} stopped`);
      })();
      return closing;
    },
  };
}

/** Re-runs reconcileJobs every `everyMs` (never two at once); logs only when it had to put work back. */
function startPeriodicReconcile(o: {
  db: PrismaClient;
  queueSet: ReturnType<typeof createQueueSet>;
  consumed: QueueName[];
  log: Logger;
  everyMs: number;
}): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    (async () => {
      const r = await reconcileJobs({ db: o.db, queues: o.queueSet });
      if (r.enqueued || r.requeued) o.log.info(`[reconcile] put back ${r.enqueued} lost and ${r.requeued} finished-but-unfinished job(s) from Postgres`);
      // A flushed Redis also lost the repeatable schedules; upserting is idempotent.
      if (o.consumed.includes("system")) await upsertSystemSchedules(o.queueSet);
    })()
      .catch((err: Error) => o.log.warn(`[reconcile] ${err.message}`))
      .finally(() => (busy = false));
  }, o.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
