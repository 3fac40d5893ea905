import type { ChatTokenizer } from "./chat-tokenizer";
import { cutSide, skipReason } from "./cut";
import type { NumberedExample } from "./jsonl";
import { tokenizeChat, type TokenizedExample } from "./masks";

// Turns a chat dataset into what the trainer takes: token ids plus an assistant-only loss mask per example,
// cut at max_seq_len. Truncation is reported (users should know their data was cut). An example left with nothing
// to learn from (its replies all beyond max_seq_len, or weight 0) is left out and named by its line, so the launch
// form, the job log and the CLI can say which; a split with no example left is refused by the caller.

/** An example (or pair) the trainer will not see, and why. */
export type SkippedLine = { line: number; why: string };

/** "line 3 (why); line 7 (why); …": the first few skipped lines, for a message. */
export function describeSkipped(skipped: readonly SkippedLine[], max = 5): string {
  return skipped.slice(0, max).map((e) => `line ${e.line} (${e.why})`).join("; ") + (skipped.length > max ? "; …" : "");
}

export type DatasetReport = {
  examples: number;
  /** Examples with no trainable token within max_seq_len, left out. */
  skipped: SkippedLine[];
  tokens: number;
  trainableTokens: number;
  truncatedExamples: number;
  truncatedTokens: number;
  /** The longest example's tokens after the cut: how long a padded micro-batch gets (the run's memory). */
  longest: number;
};

export function tokenizeDataset(chat: ChatTokenizer, examples: NumberedExample[], opts: { maxSeqLen: number; file: string }): { examples: TokenizedExample[]; report: DatasetReport } {
  const out: TokenizedExample[] = [];
  const report: DatasetReport = { examples: 0, skipped: [], tokens: 0, trainableTokens: 0, truncatedExamples: 0, truncatedTokens: 0, longest: 0 };
  for (const ex of examples) {
    let t: TokenizedExample;
    try {
      t = tokenizeChat(chat, ex);
    } catch (err) {
      throw new Error(`${opts.file} line ${ex.line}: ${(err as Error).message}`);
    }
    const side = cutSide(t.lossMask, t.tokens.length, opts.maxSeqLen);
    const why = skipReason([side], opts.maxSeqLen);
    if (why) {
      report.skipped.push({ line: ex.line, why });
      continue;
    }
    // Truncation is counted over the examples trained on.
    if (side.cut > 0) {
      report.truncatedExamples++;
      report.truncatedTokens += side.cut;
      t = { tokens: t.tokens.slice(0, side.n), lossMask: t.lossMask.slice(0, side.n) };
    }
    report.examples++;
    report.tokens += side.n;
    report.trainableTokens += side.trained;
    report.longest = Math.max(report.longest, side.n);
    out.push(t);
  }
  return { examples: out, report };
}
