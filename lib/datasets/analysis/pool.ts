import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { exampleTokenCounter } from "./counter";
import { analyzeRow } from "./row-work";
import type { ThreadData, ThreadRequest, ThreadResponse, ThreadRow, ThreadRowResult } from "./thread-protocol";

// A fixed pool of counting threads. Tokenizing is CPU-bound and js-tiktoken is synchronous, so counting on
// the worker's main thread would stall its event loop (heartbeats, other jobs); threads keep it free and
// use the other cores. One batch per thread at a time; callers keep as many batches in flight as threads.

export const MAX_THREADS = 8;

/** One thread per core, leaving one for the main thread and Postgres, at most MAX_THREADS, at least one. */
export function defaultThreadCount(cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores - 1, MAX_THREADS));
}

/** Node flags for the threads: the parent's, minus --watch (a thread must not restart the process). */
function threadExecArgv(): string[] {
  return process.execArgv.filter((a) => !a.startsWith("--watch"));
}

/** What the analysis runs batches on: a pool of threads, or this thread for small datasets. */
export interface RowRunner {
  readonly size: number;
  run(rows: ThreadRow[]): Promise<ThreadRowResult[]>;
  close(): Promise<void>;
}

/**
 * Small datasets are analysed on the calling thread: starting a thread (tsx + the tokenizer's rank table) costs
 * about a second, far more than counting a few hundred rows, which blocks the event loop only briefly.
 */
export const INLINE_MAX_ROWS = 500;

export class InlineRunner implements RowRunner {
  readonly size = 0;
  private readonly counter;

  constructor(data: ThreadData) {
    this.counter = exampleTokenCounter(data.countModel, { modelsDir: data.modelsDir });
  }

  async run(rows: ThreadRow[]): Promise<ThreadRowResult[]> {
    return rows.map((r) => analyzeRow(r, this.counter));
  }

  async close(): Promise<void> {}
}

type Pending = { resolve: (r: ThreadRowResult[]) => void; reject: (e: Error) => void };

export class CountPool implements RowRunner {
  private readonly idle: Worker[] = [];
  private readonly waiting: { req: ThreadRequest; pending: Pending }[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly workers: Worker[] = [];
  private nextTaskId = 1;
  private failure: Error | null = null;
  /** Set by close(): threads exiting then are expected, not a failure. */
  private closed = false;

  constructor(readonly size: number, data: ThreadData) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL("./thread.mjs", import.meta.url), { workerData: data, execArgv: threadExecArgv() });
      w.on("message", (res: ThreadResponse) => this.onMessage(w, res));
      w.on("error", (err) => this.fail(new Error(`counting thread failed: ${err.message}`)));
      w.on("exit", (code) => {
        if (code !== 0 && !this.closed) this.fail(new Error(`counting thread exited with code ${code}`));
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** Counts/fingerprints one batch on the next free thread. */
  run(rows: ThreadRow[]): Promise<ThreadRowResult[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const req = { taskId: this.nextTaskId++, rows };
      const w = this.idle.pop();
      if (w) this.send(w, req, { resolve, reject });
      else this.waiting.push({ req, pending: { resolve, reject } });
    });
  }

  private send(w: Worker, req: ThreadRequest, p: Pending): void {
    this.pending.set(req.taskId, p);
    w.postMessage(req);
  }

  private onMessage(w: Worker, res: ThreadResponse): void {
    const p = this.pending.get(res.taskId);
    this.pending.delete(res.taskId);
    const next = this.waiting.shift();
    if (next) this.send(w, next.req, next.pending);
    else this.idle.push(w);
    if (!p) return;
    if ("error" in res) p.reject(new Error(res.error));
    else p.resolve(res.results);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    for (const { pending } of this.waiting) pending.reject(err);
    this.pending.clear();
    this.waiting.length = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
