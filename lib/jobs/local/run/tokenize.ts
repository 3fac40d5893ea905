import { describeSkipped, tokenizeDataset, tokenizePreferenceDataset, type ChatTokenizer, type SkippedLine, type TokenizedExample } from "../../../tokenizer";
import type { ParsedSplit } from "./data";

// A parsed split (data.ts) tokenized as the trainer takes it, and what the job log, the launch form and
// `tuneforge train` say of the examples it leaves out. tokenize-threads.ts runs the same on several threads.

/** A split with no example (pair) left that has a trainable token within max_seq_len. */
export class NothingToTrainError extends Error {}

/** What the trainer takes of a split, and what the job log and the launch form say of it. */
export type TokenizedSplit = {
  /** Native TrainExamples: one per chat example, or two per pair (chosen, rejected). */
  examples: TokenizedExample[];
  /** Chat examples, or preference pairs, trained on. */
  units: number;
  /** Examples (pairs) with no trainable token within maxSeqLen: left out, by line. */
  skipped: SkippedLine[];
  tokens: number;
  trainableTokens: number;
  /** Examples (pairs) cut at maxSeqLen, and the tokens cut off. */
  truncated: number;
  truncatedTokens: number;
  longest: number;
};

/** Units tokenized between yields to the event loop: a worker must keep renewing its queue lock meanwhile. */
const TOKENIZE_CHUNK = 64;

function splitPart(chat: ChatTokenizer, split: ParsedSplit, from: number, opts: { maxSeqLen: number; file: string }): TokenizedSplit {
  if (split.kind === "preference") {
    const { examples, report: r } = tokenizePreferenceDataset(chat, split.pairs.slice(from, from + TOKENIZE_CHUNK), opts);
    return { examples, units: r.pairs, skipped: r.skipped, tokens: r.tokens, trainableTokens: r.trainableTokens, truncated: r.truncatedPairs, truncatedTokens: r.truncatedTokens, longest: r.longest };
  }
  const { examples, report: r } = tokenizeDataset(chat, split.examples.slice(from, from + TOKENIZE_CHUNK), opts);
  return { examples, units: r.examples, skipped: r.skipped, tokens: r.tokens, trainableTokens: r.trainableTokens, truncated: r.truncatedExamples, truncatedTokens: r.truncatedTokens, longest: r.longest };
}

/**
 * Tokenizes a split as the trainer takes it, a chunk at a time with the event loop served in between (a large
 * version takes tens of seconds, longer than the worker's queue lock lasts unrenewed). Examples with nothing to
 * learn within maxSeqLen are left out and listed in `skipped` (callers say so); a split left with none is refused
 * here, naming the first lines.
 */
export async function tokenizeSplit(chat: ChatTokenizer, split: ParsedSplit, opts: { maxSeqLen: number; file: string }): Promise<TokenizedSplit> {
  const out = emptyTokenizedSplit();
  for (let from = 0; from < unitCount(split); from += TOKENIZE_CHUNK) {
    if (from > 0) await new Promise((resolve) => setImmediate(resolve));
    appendTokenized(out, splitPart(chat, split, from, opts));
  }
  throwIfNothingToTrain(out.units, out.skipped, { ...opts, dpo: split.kind === "preference" });
  return out;
}

/** Tokenizes part of a split (no refusal when nothing is left: the whole split decides that). */
export function tokenizeSplitPart(chat: ChatTokenizer, split: ParsedSplit, opts: { maxSeqLen: number; file: string }): TokenizedSplit {
  const out = emptyTokenizedSplit();
  for (let from = 0; from < unitCount(split); from += TOKENIZE_CHUNK) appendTokenized(out, splitPart(chat, split, from, opts));
  return out;
}

export const unitCount = (split: ParsedSplit): number => (split.kind === "preference" ? split.pairs.length : split.examples.length);

/** Units [from, to) of a split. */
export const sliceSplit = (split: ParsedSplit, from: number, to: number): ParsedSplit =>
  split.kind === "preference" ? { kind: "preference", pairs: split.pairs.slice(from, to) } : { kind: "chat", examples: split.examples.slice(from, to) };

export function emptyTokenizedSplit(): TokenizedSplit {
  return { examples: [], units: 0, skipped: [], tokens: 0, trainableTokens: 0, truncated: 0, truncatedTokens: 0, longest: 0 };
}

/** Appends the next part of a split (in file order) to `out`. */
export function appendTokenized(out: TokenizedSplit, part: TokenizedSplit): void {
  for (const e of part.examples) out.examples.push(e);
  for (const s of part.skipped) out.skipped.push(s);
  out.units += part.units;
  out.tokens += part.tokens;
  out.trainableTokens += part.trainableTokens;
  out.truncated += part.truncated;
  out.truncatedTokens += part.truncatedTokens;
  out.longest = Math.max(out.longest, part.longest);
}

/** Refuses a split whose every unit was left out (NothingToTrainError), naming the first lines. */
export function throwIfNothingToTrain(kept: number, skipped: readonly SkippedLine[], opts: { maxSeqLen: number; file: string; dpo: boolean }): void {
  if (kept > 0 || skipped.length === 0) return;
  const what = opts.dpo ? "preference pair has an output with" : "example has";
  throw new NothingToTrainError(`${opts.file}: no ${what} a trainable token within ${opts.maxSeqLen} tokens: ${describeSkipped(skipped)}. Raise the max sequence length or shorten the prompts`);
}

/**
 * "2 training examples have no trainable token within 512 tokens and are left out: line 3 (…); line 9 (…). Raise the
 * max sequence length or shorten their prompts to train on them." `setting` names the max length where the reader
 * sets it (the CLI: "--max-seq-len").
 */
export function skippedNote(skipped: readonly SkippedLine[], opts: { maxSeqLen: number; dpo: boolean; where?: string; setting?: string }): string | null {
  const n = skipped.length;
  if (n === 0) return null;
  const what = opts.dpo ? `preference pair${n === 1 ? " has an output" : "s have an output"}` : `example${n === 1 ? " has" : "s have"}`;
  return (
    `${n} ${opts.where ? `${opts.where} ` : ""}${what} no trainable token within ${opts.maxSeqLen} tokens and ${n === 1 ? "is" : "are"} left out: ${describeSkipped(skipped)}. ` +
    `Raise ${opts.setting ?? "the max sequence length"} or shorten their prompts to train on them.`
  );
}

