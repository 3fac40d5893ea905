import type { ChatTokenizer } from "./chat-tokenizer";
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
    const hadTargets = t.lossMask.some((m) => m === 1);
    const cutTokens = Math.max(0, t.tokens.length - opts.maxSeqLen);
    if (cutTokens > 0) t = { tokens: t.tokens.slice(0, opts.maxSeqLen), lossMask: t.lossMask.slice(0, opts.maxSeqLen) };
    const trainable = t.lossMask.reduce<number>((n, m) => n + m, 0);
    if (trainable === 0) {
      report.skipped.push({ line: ex.line, why: hadTargets ? `all of its assistant tokens lie beyond max_seq_len ${opts.maxSeqLen}` : "it has no assistant message with weight other than 0" });
      continue;
    }
    // Truncation is counted over the examples trained on, as the estimate panel counts it.
    if (cutTokens > 0) {
      report.truncatedExamples++;
      report.truncatedTokens += cutTokens;
    }
    report.examples++;
    report.tokens += t.tokens.length;
    report.trainableTokens += trainable;
    report.longest = Math.max(report.longest, t.tokens.length);
    out.push(t);
  }
  return { examples: out, report };
}
