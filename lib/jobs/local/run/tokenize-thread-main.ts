import { parentPort, workerData } from "node:worker_threads";
import { loadChatTokenizer } from "../../../tokenizer";
import type { ParsedSplit } from "./data";
import { tokenizeSplitPart } from "./tokenize";

// One tokenizing thread: loads the model's chat tokenizer once, tokenizes the part of a split it is sent, answers
// with the part's TokenizedSplit (or the error's message, which names the line) and exits.

type Request = { split: ParsedSplit; maxSeqLen: number; file: string };

const { modelDir } = workerData as { modelDir: string };
parentPort!.once("message", (req: Request) => {
  try {
    const chat = loadChatTokenizer(modelDir);
    parentPort!.postMessage({ result: tokenizeSplitPart(chat, req.split, { maxSeqLen: req.maxSeqLen, file: req.file }) });
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).message });
  }
});
