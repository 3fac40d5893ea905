import type { TokenCounter } from "../../tokens/counter";
import { severityOf, type IssueCode } from "./codes";
import { exampleKind, validateExample } from "./example";
import { NearDuplicateIndex, shingles, signature } from "./minhash";
import { parseJsonLine } from "./parse";
import { distribution, type Distribution } from "./stats";
import { conversationMessages, conversationText, dialogueText, digest, promptText } from "./text";
import type { Issue, Split } from "./types";

// Whole-dataset validation. Examples are fed one at a time (the CLI streams a file into it) and only small
// fingerprints are kept: a digest and a shingle set per example, its token count, its message count.

/** OpenAI rejects files with fewer than 10 examples; the guide suggests starting with 50. */
export const MIN_EXAMPLES = 10;
export const RECOMMENDED_EXAMPLES = 50;
export const NEAR_DUPLICATE_JACCARD = 0.9;

export type DatasetOptions = {
  /** Counts tokens and gives the per-example limit; without it no tokens are counted. */
  counter?: TokenCounter;
  /** Overrides the counter's per-example limit (e.g. for gpt-4.1, which has no published figure). */
  tokenLimit?: number;
  nearDuplicateThreshold?: number;
};

export type DatasetStats = {
  lines: number;
  blankLines: number;
  /** Lines that are chat or preference examples (with or without errors). */
  examples: number;
  chatExamples: number;
  preferenceExamples: number;
  trainExamples: number;
  validationExamples: number;
  linesWithErrors: number;
  totalTokens: number;
  overTokenLimit: number;
  tokenLimit: number | null;
  exactDuplicates: number;
  nearDuplicates: number;
  leakedPrompts: number;
  messagesPerExample: Distribution | null;
  tokensPerExample: Distribution | null;
};

export type DatasetReport = {
  errors: Issue[];
  warnings: Issue[];
  stats: DatasetStats;
  /** Token count of every training example, in file order: what billing is computed from. */
  trainTokens: number[];
};

export type DatasetLine = { line: number; split?: Split; text: string };
export type DatasetExample = { line: number; split?: Split; value: unknown };

type SplitState = { exact: Map<string, number>; near: NearDuplicateIndex<number> };

export class DatasetValidator {
  private readonly issues: Issue[] = [];
  private readonly splits: Record<Split, SplitState>;
  private readonly trainPrompts = new Map<string, number>();
  /** Shingles of each training prompt; indexed for near matches only at finish(), if there is validation data. */
  private readonly trainPromptShingles: { line: number; shingles: Uint32Array }[] = [];
  private readonly pendingValidationPrompts: { line: number; text: string }[] = [];
  private readonly trainTokens: number[] = [];
  private readonly allTokens: number[] = [];
  private readonly messageCounts: number[] = [];
  private readonly errorLines = new Set<string>();
  private readonly limit: number | undefined;
  private readonly threshold: number;
  private counts = { lines: 0, blankLines: 0, chat: 0, preference: 0, train: 0, validation: 0, exact: 0, near: 0, leaked: 0, over: 0 };

  constructor(private readonly opts: DatasetOptions = {}) {
    this.threshold = opts.nearDuplicateThreshold ?? NEAR_DUPLICATE_JACCARD;
    this.limit = opts.tokenLimit ?? opts.counter?.tokenLimit;
    const state = (): SplitState => ({ exact: new Map(), near: new NearDuplicateIndex(this.threshold) });
    this.splits = { train: state(), validation: state() };
  }

  /** An issue found outside the validator (e.g. the reader's invalid_utf8). */
  addIssue(issue: Issue): void {
    this.issues.push(issue);
    if (issue.severity === "error") this.errorLines.add(`${issue.split ?? "train"}:${issue.line}`);
  }

  /** A line that could not even be decoded (the reader's invalid_utf8): counted, reported, not validated. */
  addUnreadableLine(issue: Issue): void {
    this.counts.lines += 1;
    this.addIssue(issue);
  }

  /** A raw JSONL line; blank lines are counted and skipped, like OpenAI's reader does. */
  addLine({ line, split, text }: DatasetLine): void {
    this.counts.lines += 1;
    if (text.trim() === "") {
      this.counts.blankLines += 1;
      return;
    }
    const parsed = parseJsonLine(text, line);
    for (const issue of parsed.issues) this.addIssue(split === "validation" ? { ...issue, split } : issue);
    if (parsed.ok) this.addParsed({ line, split, value: parsed.value });
  }

  /** An already-parsed example (from the database, or a converter). */
  addExample(example: DatasetExample): void {
    this.counts.lines += 1;
    this.addParsed(example);
  }

  private addParsed({ line, split = "train", value }: DatasetExample): void {
    const kind = exampleKind(value);
    let tokens: number | undefined;
    if (kind && this.opts.counter) {
      const example = value as Record<string, unknown>;
      tokens = this.opts.counter.countExample({ messages: conversationMessages(example), tools: example.tools ?? (example.input as { tools?: unknown })?.tools });
    }
    const issues = validateExample(value, {
      line,
      ...(tokens !== undefined ? { countTokens: () => tokens, tokenLimit: this.limit } : {}),
    });
    for (const issue of issues) this.addIssue(split === "train" ? issue : { ...issue, split });
    if (!kind) return;
    const example = value as Record<string, unknown>;
    this.counts[kind] += 1;
    this.counts[split] += 1;
    this.messageCounts.push(conversationMessages(example).length);
    if (tokens !== undefined) {
      this.allTokens.push(tokens);
      if (split === "train") this.trainTokens.push(tokens);
      if (this.limit !== undefined && tokens > this.limit) this.counts.over += 1;
    }
    this.checkDuplicates(line, split, conversationText(example), dialogueText(example));
    this.trackPrompt(line, split, promptText(example));
  }

  private checkDuplicates(line: number, split: Split, text: string, dialogue: string): void {
    const state = this.splits[split];
    const key = digest(text);
    const first = state.exact.get(key);
    const where = split === "train" ? "" : " (validation)";
    if (first !== undefined) {
      this.counts.exact += 1;
      this.report("exact_duplicate", line, split, `line ${line}${where} repeats line ${first} (same text ignoring case and whitespace); remove one copy`);
      return;
    }
    state.exact.set(key, line);
    const sh = shingles(dialogue);
    const sig = signature(sh);
    const match = state.near.query(sh, sig);
    if (match) {
      this.counts.near += 1;
      this.report("near_duplicate", line, split, `line ${line}${where} is ${Math.round(match.jaccard * 100)}% the same as line ${match.id} (word 3-shingle Jaccard ≥ ${this.threshold}, system messages aside); keep the better one or make them differ`);
    }
    state.near.add(line, sh, sig);
  }

  private trackPrompt(line: number, split: Split, prompt: string): void {
    if (prompt === "") return;
    if (split === "train") {
      const key = digest(prompt);
      if (!this.trainPrompts.has(key)) this.trainPrompts.set(key, line);
      this.trainPromptShingles.push({ line, shingles: shingles(prompt) });
    } else {
      // Checked at finish(): the training file may be fed after the validation file.
      this.pendingValidationPrompts.push({ line, text: prompt });
    }
  }

  private report(code: IssueCode, line: number, split: Split, message: string): void {
    this.addIssue({ line, code, severity: severityOf(code), message, ...(split === "train" ? {} : { split }) });
  }

  private checkLeakage(): void {
    if (this.pendingValidationPrompts.length === 0) return;
    const index = new NearDuplicateIndex<number>(this.threshold);
    for (const p of this.trainPromptShingles) index.add(p.line, p.shingles);
    for (const { line, text } of this.pendingValidationPrompts) {
      const same = this.trainPrompts.get(digest(text));
      const near = same === undefined ? index.query(shingles(text)) : null;
      if (same === undefined && !near) continue;
      this.counts.leaked += 1;
      const how = same !== undefined ? `the same user prompt as training line ${same}` : `nearly the same user prompt as training line ${near!.id} (${Math.round(near!.jaccard * 100)}% of word 3-shingles)`;
      this.report("split_leakage", line, "validation", `validation line ${line} has ${how}; validation loss will look better than it is, so drop it from one split`);
    }
  }

  private checkCounts(): void {
    const n = this.counts.train;
    if (n === 0 && this.counts.lines - this.counts.blankLines === 0) {
      this.report("empty_file", 0, "train", "the training data has no examples (the file is empty or only blank lines); add at least 10 JSON lines");
    } else if (n < MIN_EXAMPLES) {
      this.report("too_few_examples", 0, "train", `${n} training example${n === 1 ? "" : "s"}; OpenAI requires at least ${MIN_EXAMPLES}, so add ${MIN_EXAMPLES - n} more`);
    } else if (n < RECOMMENDED_EXAMPLES) {
      this.report("few_examples", 0, "train", `${n} training examples; OpenAI sees improvements from 50–100 well-crafted examples, so aim for at least ${RECOMMENDED_EXAMPLES}`);
    }
  }

  finish(): DatasetReport {
    this.checkLeakage();
    this.checkCounts();
    // Training findings first, then validation; by line within each (stable, so rule order is kept per line).
    const rank = (i: Issue) => (i.split === "validation" ? 1 : 0);
    const order = (a: Issue, b: Issue) => rank(a) - rank(b) || a.line - b.line;
    const sorted = [...this.issues].sort(order);
    return {
      errors: sorted.filter((i) => i.severity === "error"),
      warnings: sorted.filter((i) => i.severity === "warning"),
      trainTokens: this.trainTokens,
      stats: {
        lines: this.counts.lines,
        blankLines: this.counts.blankLines,
        examples: this.counts.chat + this.counts.preference,
        chatExamples: this.counts.chat,
        preferenceExamples: this.counts.preference,
        trainExamples: this.counts.train,
        validationExamples: this.counts.validation,
        linesWithErrors: this.errorLines.size,
        totalTokens: this.allTokens.reduce((s, t) => s + t, 0),
        overTokenLimit: this.counts.over,
        tokenLimit: this.limit ?? null,
        exactDuplicates: this.counts.exact,
        nearDuplicates: this.counts.near,
        leakedPrompts: this.counts.leaked,
        messagesPerExample: distribution(this.messageCounts),
        tokensPerExample: distribution(this.allTokens),
      },
    };
  }
}

/** Validates parsed examples in one go (each with its 1-based line and split; train when absent). */
export function validateDataset(examples: Iterable<DatasetExample>, opts: DatasetOptions = {}): DatasetReport {
  const v = new DatasetValidator(opts);
  for (const e of examples) v.addExample(e);
  return v.finish();
}
