import { parentPort, workerData } from "node:worker_threads";
import { exampleTokenCounter, type CountableRow, type ExampleTokenCounter } from "./counter";
import { fingerprintRow } from "./fingerprint";
import type { ThreadData, ThreadRequest, ThreadResponse, ThreadRow, ThreadRowResult } from "./thread-protocol";

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

function parse(text: string | null): unknown {
  return text == null ? null : (JSON.parse(text) as unknown);
}

function handleRow(row: ThreadRow, c: ExampleTokenCounter): ThreadRowResult {
  const stored: CountableRow = { kind: row.kind, messages: parse(row.messages), tools: parse(row.tools), preference: parse(row.preference), extra: parse(row.extra) };
  let tokens: { tokenCount: number; assistantTokens: number } | null = null;
  if (row.count) {
    try {
      tokens = c.count(stored);
    } catch {
      // A row too malformed to render (its example-level errors say why) counts its messages only, so it
      // does not stay "not counted" forever.
      tokens = c.count({ kind: "chat", messages: Array.isArray(stored.messages) ? stored.messages : [], tools: null, preference: null, extra: null });
    }
  }
  return { id: row.id, tokenCount: tokens?.tokenCount ?? null, assistantTokens: tokens?.assistantTokens ?? null, fingerprint: fingerprintRow(stored) };
}

parentPort!.on("message", (req: ThreadRequest) => {
  let res: ThreadResponse;
  try {
    if (!counter) throw new Error(startError ?? "counter not ready");
    res = { taskId: req.taskId, results: req.rows.map((r) => handleRow(r, counter!)) };
  } catch (err) {
    res = { taskId: req.taskId, error: (err as Error).message };
  }
  parentPort!.postMessage(res);
});
