import { parentPort, workerData } from "node:worker_threads";
import { exampleTokenCounter, type ExampleTokenCounter } from "./counter";
import { analyzeRow } from "./row-work";
import type { ThreadData, ThreadRequest, ThreadResponse } from "./thread-protocol";

// A counting thread: builds its counter once (js-tiktoken's rank table, or a local tokenizer) and then
// counts and fingerprints batches of rows for the analysis until the pool closes it.

const data = workerData as ThreadData;
let counter: ExampleTokenCounter | null = null;
let startError: string | null = null;
try {
  counter = exampleTokenCounter(data.countModel, { modelsDir: data.modelsDir });
} catch (err) {
  startError = (err as Error).message;
}

parentPort!.on("message", (req: ThreadRequest) => {
  let res: ThreadResponse;
  try {
    if (!counter) throw new Error(startError ?? "counter not ready");
    res = { taskId: req.taskId, results: req.rows.map((r) => analyzeRow(r, counter!)) };
  } catch (err) {
    res = { taskId: req.taskId, error: (err as Error).message };
  }
  parentPort!.postMessage(res);
});
