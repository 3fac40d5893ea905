import { Worker } from "node:worker_threads";

// A thread that answers one request and exits: the tokenizing threads of a job's start (lib/jobs/local/run/
// tokenize-threads.ts) and of the launch form's estimate (lib/models/split-tokens.ts). The entry posts either
// `{ result }` or `{ error }` (a message that already names the file and line).

export type ThreadAnswer<T> = { result: T } | { error: string; code?: string };

/** Starts `entry` with `workerData`, sends it `request`, and settles with its one answer. */
export function askThread<T>(entry: URL | string, workerData: unknown, request: unknown): Promise<ThreadAnswer<T>> {
  return new Promise((resolve, reject) => {
    const w = new Worker(entry, { workerData, execArgv: process.execArgv.filter((a) => !a.startsWith("--watch")) });
    let settled = false;
    w.once("message", (answer: ThreadAnswer<T>) => {
      settled = true;
      resolve(answer);
      void w.terminate();
    });
    w.once("error", (err) => {
      settled = true;
      reject(new Error(`a tokenizing thread failed: ${err.message}`));
    });
    w.once("exit", (code) => {
      if (!settled) reject(new Error(`a tokenizing thread exited with code ${code} before answering`));
    });
    w.postMessage(request);
  });
}
