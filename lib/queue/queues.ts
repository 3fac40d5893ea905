import { Queue, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { env } from "../env";
import { createRedis } from "../redis";
import {
  DEFAULT_JOB_OPTIONS,
  jobIdFor,
  jobOptionsFor,
  parsePayload,
  type JobName,
  type Payload,
  type QueueName,
} from "./contracts";

// Producer side: BullMQ Queue objects over one shared connection, and `enqueue`, the only way jobs
// enter Redis. A QueueSet is bound to one prefix, so tests (and several installations on one Redis)
// stay apart.

export type QueueSet = {
  readonly prefix: string;
  get(name: QueueName): Queue;
  /** Parses the payload, then adds it with the contract's deterministic job id (idempotent). */
  enqueue<Q extends QueueName, N extends JobName<Q>>(queue: Q, name: N, payload: Payload<Q, N>): Promise<Job>;
  close(): Promise<void>;
};

export type QueueSetOptions = {
  /** Shared connection; when omitted one is opened from REDIS_URL and closed with the set. */
  connection?: Redis;
  prefix?: string;
  /** Called for connection errors (a down Redis); defaults to a one-line console message. */
  onError?: (queue: QueueName, err: Error) => void;
};

export function createQueueSet(opts: QueueSetOptions = {}): QueueSet {
  const prefix = opts.prefix ?? env().TUNEFORGE_QUEUE_PREFIX;
  const ownsConnection = !opts.connection;
  const connection = opts.connection ?? createRedis("client");
  const onError = opts.onError ?? ((queue, err) => console.error(`[queue ${queue}] ${err.message}`));
  const queues = new Map<QueueName, Queue>();

  function get(name: QueueName): Queue {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
      // An EventEmitter without an 'error' listener crashes the process on the first Redis hiccup.
      q.on("error", (err) => onError(name, err));
      queues.set(name, q);
    }
    return q;
  }

  return {
    prefix,
    get,
    async enqueue(queue, name, payload) {
      const parsed = parsePayload(queue, name, payload);
      const jobId = jobIdFor(queue, name, parsed);
      return get(queue).add(name, parsed, { ...jobOptionsFor(queue, name), ...(jobId ? { jobId } : {}) });
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
      if (ownsConnection) await connection.quit().catch(() => connection.disconnect());
    },
  };
}

const globalForQueues = globalThis as unknown as { tuneforgeQueues?: QueueSet };

/** The process-wide QueueSet (web process and workers); lives on globalThis to survive dev reloads. */
export function queues(): QueueSet {
  globalForQueues.tuneforgeQueues ??= createQueueSet();
  return globalForQueues.tuneforgeQueues;
}

export async function closeQueues(): Promise<void> {
  const set = globalForQueues.tuneforgeQueues;
  globalForQueues.tuneforgeQueues = undefined;
  await set?.close();
}
