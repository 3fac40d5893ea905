import type { ChatMessage, GenerationSettings } from "../types";

// What an eval asks of a model, whatever runs it: one reply to one conversation, with what the metrics need
// (latency, token counts, cost). Implementations limit their own concurrency, so callers may ask for every
// sample at once.

export type Generation = {
  /** The reply; the calls a provider returned apart (tool_calls) are written after it (lib/eval/tool-calls). */
  text: string;
  finishReason: string;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  /** null when the model's price is unknown; 0 on this machine's trainer. */
  costUsd: number | null;
};

export type Generator = {
  label: string;
  /** `tools`: OpenAI-format tool definitions the model may call; its calls come back in `text` as <tool_call> blocks. */
  generate(messages: ChatMessage[], settings: GenerationSettings, signal?: AbortSignal, tools?: unknown[] | null): Promise<Generation>;
};

/** A provider error that survived its retries; the message is the provider's, verbatim. */
export class GenerationError extends Error {
  constructor(message: string, readonly status: number | null = null) {
    super(message);
    this.name = "GenerationError";
  }
}
