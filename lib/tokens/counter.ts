// A TokenCounter counts what one training example costs in tokens for one model. OpenAI models use
// tiktoken + the cookbook's chat formula (./openai.ts); a local model can later implement the same
// interface with its own tokenizer and chat template (lib/tokenizer), and callers need not change.

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
