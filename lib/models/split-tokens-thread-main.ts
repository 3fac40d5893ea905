import { parentPort, workerData } from "node:worker_threads";
import { HttpError } from "../http/errors";
import { loadChatTokenizer } from "../tokenizer/chat-tokenizer";
import { tokenizeUnits, type SplitUnit } from "./split-tokens";

// One tokenizing thread of the estimate: loads the model's chat tokenizer, tokenizes the slice of a split's units it
// is sent, answers with that part (or the error's message and code, which name the line) and exits.

type Request = { file: string; preference: boolean; units: SplitUnit[] };

const { modelDir } = workerData as { modelDir: string };
parentPort!.once("message", (req: Request) => {
  try {
    parentPort!.postMessage({ result: tokenizeUnits(loadChatTokenizer(modelDir), req.units, req.file, req.preference) });
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).message, ...(err instanceof HttpError ? { code: err.code } : {}) });
  }
});
