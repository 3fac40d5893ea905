import { z } from "zod";
import type { ChatTokenizer } from "./chat-tokenizer";
import { cutSide, skipReason } from "./cut";
import type { SkippedLine } from "./dataset";
import { issuePath, MessageSchema, normalizeMessages } from "./jsonl";
import { tokenizeChat, type ChatExample, type TokenizedExample, type TrainingMessage } from "./masks";

// DPO preference JSONL as OpenAI takes it ({"input": {"messages", "tools"?}, "preferred_output": [...],
// "non_preferred_output": [...]}) turned into what the native trainer's method "dpo" takes: per pair, the prompt
// followed by the preferred output, then the prompt followed by the non-preferred one, the loss masks on the outputs
// only (assistant turns inside the input are context, weight 0). Errors name the file, line and field.

const Line = z
  .object({
    input: z.object({ messages: z.array(MessageSchema).min(1), tools: z.array(z.unknown()).optional() }).loose(),
    preferred_output: z.array(MessageSchema).min(1),
    non_preferred_output: z.array(MessageSchema).min(1),
  })
  .loose();

export type NumberedPair = { input: ChatExample; chosen: TrainingMessage[]; rejected: TrainingMessage[]; line: number };

export function parsePreferenceJsonl(text: string, file: string): NumberedPair[] {
  const out: NumberedPair[] = [];
  text
    .replace(/^\uFEFF/, "")
    .split("\n")
    .forEach((raw, index) => {
      const line = index + 1;
      if (raw.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (err) {
        throw new Error(`${file} line ${line}: not valid JSON (${(err as Error).message}); each line must be one {"input", "preferred_output", "non_preferred_output"} object`);
      }
      if (typeof value === "object" && value !== null && "messages" in value && !("input" in value)) {
        throw new Error(`${file} line ${line} is a chat example ({"messages": [...]}) among preference pairs; DPO trains on pairs only, so keep chat examples in a dataset of their own`);
      }
      const parsed = Line.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new Error(`${file} line ${line}: ${issuePath(issue.path) || "the line"}: ${issue.message}`);
      }
      const where = `${file} line ${line}: `;
      const output = (field: "preferred_output" | "non_preferred_output") => {
        const messages = normalizeMessages(parsed.data[field], `${where}${field}`);
        messages.forEach((m, i) => {
          if (m.role !== "assistant") throw new Error(`${where}${field}[${i}] has role "${m.role}"; the outputs of a preference pair are assistant messages`);
        });
        return messages;
      };
      // The input's own assistant turns are context for both answers, never trained on.
      const messages = normalizeMessages(parsed.data.input.messages, `${where}input.messages`).map((m) => (m.role === "assistant" ? { ...m, weight: 0 } : m));
      const tools = parsed.data.input.tools;
      out.push({ input: { messages, ...(tools ? { tools } : {}) }, chosen: output("preferred_output"), rejected: output("non_preferred_output"), line });
    });
  if (out.length === 0) throw new Error(`${file} has no preference pairs (every line is empty)`);
  return out;
}

export type PreferenceReport = {
  pairs: number;
  /** Pairs with an output that has no trainable token within max_seq_len, left out (as a whole). */
  skipped: SkippedLine[];
  /** Tokens of both sequences of every pair after the cut: what an epoch reads. */
  tokens: number;
  trainableTokens: number;
  /** Pairs with either sequence longer than maxSeqLen (cut there), and the tokens cut off both sequences. */
  truncatedPairs: number;
  truncatedTokens: number;
  longest: number;
};

/** The two sequences DPO scores for a pair, each the prompt followed by one output: preferred, then non-preferred. */
export function pairSequences(pair: NumberedPair): [ChatExample, ChatExample] {
  const side = (answer: TrainingMessage[]): ChatExample => ({ ...pair.input, messages: [...pair.input.messages, ...answer] });
  return [side(pair.chosen), side(pair.rejected)];
}

/** Two examples per pair, chosen then rejected: native TrainExample order for method "dpo". */
export function tokenizePreferenceDataset(chat: ChatTokenizer, pairs: NumberedPair[], opts: { maxSeqLen: number; file: string }): { examples: TokenizedExample[]; report: PreferenceReport } {
  const examples: TokenizedExample[] = [];
  const report: PreferenceReport = { pairs: 0, skipped: [], tokens: 0, trainableTokens: 0, truncatedPairs: 0, truncatedTokens: 0, longest: 0 };
  for (const pair of pairs) {
    // The prompt's renderings are encoded once for both sequences.
    const encoded = new Map<string, number[]>();
    const both = pairSequences(pair).map((sequence) => {
      try {
        return tokenizeChat(chat, sequence, encoded);
      } catch (err) {
        throw new Error(`${opts.file} line ${pair.line}: ${(err as Error).message}`);
      }
    });
    const sides = both.map((t) => cutSide(t.lossMask, t.tokens.length, opts.maxSeqLen));
    const why = skipReason(sides, opts.maxSeqLen);
    if (why) {
      report.skipped.push({ line: pair.line, why });
      continue;
    }
    report.pairs++;
    if (sides.some((s) => s.cut > 0)) report.truncatedPairs++;
    both.forEach((t, i) => {
      const side = sides[i]!;
      report.truncatedTokens += side.cut;
      report.tokens += side.n;
      report.trainableTokens += side.trained;
      report.longest = Math.max(report.longest, side.n);
      examples.push({ tokens: t.tokens.slice(0, side.n), lossMask: t.lossMask.slice(0, side.n) });
    });
  }
  return { examples, report };
}
