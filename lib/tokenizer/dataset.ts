import type { ChatTokenizer } from "./chat-tokenizer";
import type { NumberedExample } from "./jsonl";
import { tokenizeChat, type TokenizedExample } from "./masks";

// Turns a chat dataset into what the trainer takes: token ids plus an assistant-only loss mask per example,
// cut at max_seq_len. Truncation is reported (users should know their data was cut), and an example left
// with nothing to learn from is an error rather than silently wasted compute.

export type DatasetReport = {
  examples: number;
  tokens: number;
  trainableTokens: number;
  truncatedExamples: number;
  truncatedTokens: number;
  /** The longest example's tokens after the cut: how long a padded micro-batch gets (the run's memory). */
  longest: number;
};

export function tokenizeDataset(chat: ChatTokenizer, examples: NumberedExample[], opts: { maxSeqLen: number; file: string }): { examples: TokenizedExample[]; report: DatasetReport } {
  const out: TokenizedExample[] = [];
  const report: DatasetReport = { examples: 0, tokens: 0, trainableTokens: 0, truncatedExamples: 0, truncatedTokens: 0, longest: 0 };
  const empty: { line: number; why: string }[] = [];
  for (const ex of examples) {
    let t: TokenizedExample;
    try {
      t = tokenizeChat(chat, ex);
    } catch (err) {
      throw new Error(`${opts.file} line ${ex.line}: ${(err as Error).message}`);
    }
    const hadTargets = t.lossMask.some((m) => m === 1);
    if (t.tokens.length > opts.maxSeqLen) {
      report.truncatedExamples++;
      report.truncatedTokens += t.tokens.length - opts.maxSeqLen;
      t = { tokens: t.tokens.slice(0, opts.maxSeqLen), lossMask: t.lossMask.slice(0, opts.maxSeqLen) };
    }
    const trainable = t.lossMask.reduce<number>((n, m) => n + m, 0);
    if (trainable === 0) {
      empty.push({ line: ex.line, why: hadTargets ? `all of its assistant tokens lie beyond max_seq_len ${opts.maxSeqLen}` : "it has no assistant message with weight other than 0" });
      continue;
    }
    report.examples++;
    report.tokens += t.tokens.length;
    report.trainableTokens += trainable;
    report.longest = Math.max(report.longest, t.tokens.length);
    out.push(t);
  }
  if (empty.length > 0) {
    const shown = empty.slice(0, 5).map((e) => `line ${e.line} (${e.why})`).join("; ");
    throw new Error(
      `${opts.file}: ${empty.length} example(s) have no trainable tokens: ${shown}${empty.length > 5 ? "; …" : ""}. ` +
        "Raise --max-seq-len, shorten the prompts, or remove those examples",
    );
  }
  return { examples: out, report };
}
