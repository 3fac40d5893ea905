import path from "node:path";
import { readFileSync } from "node:fs";
import { HttpError } from "../http/errors";
import { parseSplit } from "../jobs/local/run/data";
import { cutSide, skipReason } from "../tokenizer/cut";
import type { SkippedLine } from "../tokenizer/dataset";
import { tokenizeChat, type ChatExample } from "../tokenizer/masks";
import { tokenizeOnThreads } from "./split-tokens-threads";
import { pairSequences } from "../tokenizer/preference";
import type { chatTokenizerFor } from "./chat-cache";

// A frozen split tokenized once per model, in the web server, for everything the launch form asks of it: the
// estimate panel (local-estimate.ts) and the launch check (lib/jobs/launch/local.ts) count from the same
// tokenization at whatever max sequence length the form holds, with the trainer's own rule (tokenizer/cut.ts).
// A large split is tokenized on threads (split-tokens-threads.ts), a small one here, yielding as it goes.

type ChatTokenizer = ReturnType<typeof chatTokenizerFor>;

/**
 * Each sequence's token count, loss mask and line: one per chat example, or two per preference pair (preferred,
 * then non-preferred: what DPO trains on).
 */
export type TokenizedSplit = { preference: boolean; lengths: number[]; masks: Uint8Array[]; lines: number[] };

// Frozen versions never change, and chatTokenizerFor hands out a new tokenizer object when a model's files
// change, so (tokenizer object, file) is a safe cache key: editing the form re-counts from memory instead of
// re-tokenizing the dataset. Weakly held: an evicted tokenizer takes its entries with it.
const tokenizedCache = new WeakMap<ChatTokenizer, Map<string, Promise<TokenizedSplit>>>();
const MAX_SPLITS_PER_MODEL = 6;
/** Units (examples or pairs) tokenized between yields to the event loop, so a large dataset never stalls the server's other requests. */
const CHUNK = 64;

/**
 * A unit of a split as the trainer reads it: a chat example (one sequence), or a preference pair (its two
 * sequences in the trainer's order: preferred, then non-preferred).
 */
export type SplitUnit = { line: number; sequences: ChatExample[] };

/** The split at `file` read into its units (an unreadable or malformed file is a 400 naming its line). */
export function readSplitUnits(file: string, preference: boolean): SplitUnit[] {
  let split;
  try {
    split = parseSplit(readFileSync(file, "utf8"), file, preference ? "dpo" : "supervised");
  } catch (err) {
    throw new HttpError(400, "dataset_file", (err as Error).message);
  }
  return split.kind === "chat" ? split.examples.map((ex) => ({ line: ex.line, sequences: [ex] })) : split.pairs.map((p) => ({ line: p.line, sequences: pairSequences(p) }));
}

function appendUnit(out: TokenizedSplit, chat: ChatTokenizer, unit: SplitUnit, file: string): void {
  // A pair's two sequences share their prompt's encoding.
  const encoded = new Map<string, number[]>();
  for (const sequence of unit.sequences) {
    try {
      const t = tokenizeChat(chat, sequence, encoded);
      out.lengths.push(t.tokens.length);
      out.masks.push(Uint8Array.from(t.lossMask));
      out.lines.push(unit.line);
    } catch (err) {
      throw new HttpError(400, "template_error", `${path.basename(file)} line ${unit.line}: ${(err as Error).message}`);
    }
  }
}

const emptySplit = (preference: boolean): TokenizedSplit => ({ preference, lengths: [], masks: [], lines: [] });

/** Some units of the split at `file` (named in errors), tokenized at once: a tokenizing thread's part (split-tokens-thread-main.ts). */
export function tokenizeUnits(chat: ChatTokenizer, units: readonly SplitUnit[], file: string, preference: boolean): TokenizedSplit {
  const out = emptySplit(preference);
  for (const unit of units) appendUnit(out, chat, unit, file);
  return out;
}

/** On this thread, yielding to the event loop every CHUNK units so the server's other requests go on. */
async function tokenizeHere(chat: ChatTokenizer, file: string, units: readonly SplitUnit[], preference: boolean): Promise<TokenizedSplit> {
  const out = emptySplit(preference);
  for (const [i, unit] of units.entries()) {
    if (i > 0 && i % CHUNK === 0) await new Promise((r) => setImmediate(r));
    appendUnit(out, chat, unit, file);
  }
  return out;
}

async function tokenize(chat: ChatTokenizer, file: string, preference: boolean): Promise<TokenizedSplit> {
  const units = readSplitUnits(file, preference);
  const onThreads = await tokenizeOnThreads(chat.modelDir, file, preference, units);
  return onThreads ?? tokenizeHere(chat, file, units, preference);
}

/** The split at `file` tokenized with `chat`, from the cache when it was already. */
export function tokenizedSplit(chat: ChatTokenizer, file: string, preference: boolean): Promise<TokenizedSplit> {
  let perModel = tokenizedCache.get(chat);
  if (!perModel) tokenizedCache.set(chat, (perModel = new Map()));
  const key = `${preference ? "dpo" : "sft"}\0${file}`;
  const hit = perModel.get(key);
  if (hit) return hit;
  const pending = tokenize(chat, file, preference);
  perModel.set(key, pending);
  // A failure (unreadable file, template error) is not remembered: fixing the model folder must take effect.
  pending.catch(() => perModel.delete(key));
  while (perModel.size > MAX_SPLITS_PER_MODEL) perModel.delete(perModel.keys().next().value as string);
  return pending;
}

export type SplitCounts = {
  /** Units trained on: chat examples, or preference pairs. */
  examples: number;
  /** Units left out (no trained token within seqLen), by line. */
  skipped: SkippedLine[];
  tokens: number;
  trained: number;
  truncatedExamples: number;
  truncatedTokens: number;
  longest: number;
  /** Each trained sequence's kept length, in file order (packing counts rows from them). */
  lengths: number[];
};

/** What the trainer takes of a tokenized split at seqLen (tokenizer/cut.ts), counted. */
export function countSplit(split: TokenizedSplit, seqLen: number): SplitCounts {
  const group = split.preference ? 2 : 1;
  const s: SplitCounts = { examples: 0, skipped: [], tokens: 0, trained: 0, truncatedExamples: 0, truncatedTokens: 0, longest: 0, lengths: [] };
  for (let u = 0; u + group <= split.lengths.length; u += group) {
    const sides = Array.from({ length: group }, (_, j) => cutSide(split.masks[u + j]!, split.lengths[u + j]!, seqLen));
    const why = skipReason(sides, seqLen);
    if (why) {
      s.skipped.push({ line: split.lines[u]!, why });
      continue;
    }
    s.examples++;
    if (sides.some((x) => x.cut > 0)) s.truncatedExamples++;
    for (const x of sides) {
      s.truncatedTokens += x.cut;
      s.tokens += x.n;
      s.trained += x.trained;
      s.longest = Math.max(s.longest, x.n);
      s.lengths.push(x.n);
    }
  }
  return s;
}
