import { availableParallelism } from "node:os";
import { askThread } from "../../../threads/one-shot";
import type { ChatTokenizer } from "../../../tokenizer";
import type { ParsedSplit } from "./data";
import { appendTokenized, emptyTokenizedSplit, sliceSplit, throwIfNothingToTrain, tokenizeSplit, unitCount, type TokenizedSplit } from "./tokenize";

// A job's data tokenized on several threads. The chat template and BPE run at ~700k tokens/s on one core (200k
// before the encodings were shared and the byte-level step sped up), so a large version still holds the GPU idle
// for seconds before training; split into contiguous parts, one per thread, and joined in file order, it gives
// the same examples, counts and skipped lines as tokenizeSplit.

/**
 * Fewer units than this per thread and its start (tsx, the tokenizer's vocabulary: about a second) costs more than
 * it saves. At today's speed a thread pays off from a few thousand units of ~200 tokens; below that the threads
 * start in parallel, so a split just over the line loses under a second, and a large one gains several.
 */
export const MIN_UNITS_PER_THREAD = 1000;
/** The smallest split tokenized on threads: two threads' worth. */
export const PARALLEL_MIN_UNITS = 2 * MIN_UNITS_PER_THREAD;
export const MAX_TOKENIZE_THREADS = 8;

/**
 * The threads to tokenize on: `requested` of them (TUNEFORGE_LOCAL_THREADS, `tuneforge train --threads`) when
 * above 0, else one per core but one (the main thread keeps the queue lock and the trainer's setup); at most 8.
 */
export function tokenizeThreadCount(requested = 0, cores = availableParallelism()): number {
  return Math.max(1, Math.min(requested > 0 ? requested : cores - 1, MAX_TOKENIZE_THREADS));
}

async function tokenizeOnThread(modelDir: string, split: ParsedSplit, opts: { maxSeqLen: number; file: string }): Promise<TokenizedSplit> {
  const answer = await askThread<TokenizedSplit>(new URL("./tokenize-thread.mjs", import.meta.url), { modelDir }, { split, ...opts });
  if ("error" in answer) throw new Error(answer.error);
  return answer.result;
}

/**
 * tokenizeSplit on `threads` threads (each loads the tokenizer from modelDir); small splits, or one thread, stay on
 * this one (which yields to the event loop as it goes).
 */
export async function tokenizeSplitOnThreads(chat: ChatTokenizer, modelDir: string, split: ParsedSplit, opts: { maxSeqLen: number; file: string; threads: number }): Promise<TokenizedSplit> {
  const count = unitCount(split);
  const threads = Math.min(opts.threads, Math.floor(count / MIN_UNITS_PER_THREAD));
  if (threads <= 1) return tokenizeSplit(chat, split, opts);
  const size = Math.ceil(count / threads);
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, i) => tokenizeOnThread(modelDir, sliceSplit(split, i * size, (i + 1) * size), { maxSeqLen: opts.maxSeqLen, file: opts.file })),
  );
  const out = emptyTokenizedSplit();
  for (const part of parts) appendTokenized(out, part);
  throwIfNothingToTrain(out.units, out.skipped, { maxSeqLen: opts.maxSeqLen, file: opts.file, dpo: split.kind === "preference" });
  return out;
}
