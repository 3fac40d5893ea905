// A TokenCounter counts what one training example costs in tokens for one model. OpenAI models use
// tiktoken + the cookbook's chat formula (./count.ts: openAiTokenCounter); a local model renders with its own
// chat template and tokenizer (./local.ts: localTokenCounter). Callers take a TokenCounter and need not care.

export type ChatExampleInput = {
  messages: unknown[];
  tools?: unknown;
};

export interface TokenCounter {
  /** The model this counter counts for, as given. */
  readonly model: string;
  /** Per-example token limit: longer examples are truncated in training (and billed only up to it). */
  readonly tokenLimit: number;
  /** Tokens of plain text. */
  countText(text: string): number;
  /** Tokens of one chat example as billed for training. */
  countExample(example: ChatExampleInput): number;
}
