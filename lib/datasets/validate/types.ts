import type { IssueCode } from "./codes";

// Shared shapes of the dataset validator (lib/datasets/validate): used by the CLI, the API and the UI.

export type Severity = "error" | "warning";
export type Split = "train" | "validation";

export type Issue = {
  /** 1-based line in the file the example came from. */
  line: number;
  code: IssueCode;
  severity: Severity;
  /** Names the line and field and says what to do. */
  message: string;
  /** Where in the example, e.g. `messages[2].content`. */
  path?: string;
  /** Set on dataset-level findings that involve a split (leakage names the validation line). */
  split?: Split;
};

export type ExampleContext = {
  line: number;
  /** Tokens of a chat example for the target model; absent: the token-limit rule is skipped. */
  countTokens?: (example: { messages: unknown[]; tools?: unknown }) => number;
  /** Per-example token limit for the target model. */
  tokenLimit?: number;
};

/** What one rule family sees: the raw example (already known to be a JSON object) and a way to report. */
export type RuleInput = {
  example: Record<string, unknown>;
  ctx: ExampleContext;
  report: (code: IssueCode, message: string, path?: string) => void;
};

export type Rule = { name: string; applies: "chat" | "preference"; check: (input: RuleInput) => void };

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
