import { parentPort, workerData } from "node:worker_threads";
import { HttpError } from "../http/errors";
import { loadChatTokenizer } from "../tokenizer/chat-tokenizer";
import { tokenizeUnitRange } from "./split-tokens";

// One tokenizing thread of the estimate: loads the model's chat tokenizer, tokenizes units [from, to) of the split
// file, answers with that part (or the error's message and code, which name the line) and exits.

type Request = { file: string; preference: boolean; from: number; to: number };

const { modelDir } = workerData as { modelDir: string };
parentPort!.once("message", (req: Request) => {
  try {
    parentPort!.postMessage({ result: tokenizeUnitRange(loadChatTokenizer(modelDir), req.file, req.preference, req.from, req.to) });
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).message, ...(err instanceof HttpError ? { code: err.code } : {}) });
  }
});
