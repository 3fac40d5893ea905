import { countTextTokens, type EncodingName } from "./encoders";
import { baseModelName } from "./model-name";
import type { ChatExampleInput, TokenCounter } from "./counter";

export type { ChatExampleInput, TokenCounter } from "./counter";
export type { EncodingName } from "./encoders";
export { baseModelName } from "./model-name";

/**
 * The model a dataset's stored token counts are computed for until a job picks its base model: OpenAI's cheapest
 * current SFT base, whose o200k_base encoding is shared by every current OpenAI model.
 */
export const DEFAULT_COUNT_MODEL = "gpt-4o-mini-2024-07-18";

// Prefixes by family, from js-tiktoken's model table (reference §5). js-tiktoken's own lookup throws on
// unknown names (every `ft:` name among them), so the families are matched here instead.
const CL100K_PREFIXES = ["gpt-3.5", "gpt-4-", "gpt-35", "davinci-002", "babbage-002", "text-embedding-"];

/**
 * o200k_base for gpt-4o / gpt-4.1 / o-series / gpt-5 and anything newer or unknown; cl100k_base for gpt-3.5 and
 * gpt-4 (incl. gpt-4-turbo). davinci-002 / babbage-002 follow Python tiktoken (cl100k), as the cookbook does.
 */
export function encodingNameForModel(model: string): EncodingName {
  const base = baseModelName(model);
  if (base === "gpt-4" || CL100K_PREFIXES.some((p) => base.startsWith(p))) return "cl100k_base";
  return "o200k_base";
}

/**
 * Maximum tokens per training example (reference §4): 65,536 for gpt-4o / 4o-mini / 4.1 (no published figure
 * for 4.1: same as 4o) and other o200k models; 4,096 for gpt-3.5-turbo-0613; 16,385 for the rest of gpt-3.5 and
 * other cl100k models (the cookbook's MAX_TOKENS_PER_EXAMPLE).
 */
export function tokenLimitForModel(model: string): number {
  const base = baseModelName(model);
  if (base.startsWith("gpt-3.5-turbo-0613")) return 4_096;
  return encodingNameForModel(base) === "cl100k_base" ? 16_385 : 65_536;
}

// The cookbook's num_tokens_from_messages for gpt-3.5-turbo-0613 and later, gpt-4 and gpt-4o.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Text of string or multi-part content; image parts have no text, and their cost is not counted here. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : "")).join("");
}

/** Function names + argument strings of assistant tool calls: the tokens the model is trained to emit. */
function toolCallsText(toolCalls: unknown): string {
  if (!Array.isArray(toolCalls)) return "";
  return toolCalls
    .map((call) => {
      const fn = isRecord(call) && isRecord(call.function) ? call.function : {};
      return `${typeof fn.name === "string" ? fn.name : ""}${typeof fn.arguments === "string" ? fn.arguments : ""}`;
    })
    .join("");
}

function countMessage(message: unknown, encoding: EncodingName): number {
  let total = TOKENS_PER_MESSAGE;
  if (!isRecord(message)) return total;
  // The cookbook encodes every value of the message: role, content and name (+1 for a name).
  if (typeof message.role === "string") total += countTextTokens(message.role, encoding);
  total += countTextTokens(contentText(message.content), encoding);
  if (typeof message.name === "string") total += countTextTokens(message.name, encoding) + TOKENS_PER_NAME;
  // Not in the cookbook formula (it predates tools): tool calls and the tool-result id are text the model
  // reads or writes, so they are counted as plain text. An estimate, like the cookbook's own figure.
  total += countTextTokens(toolCallsText(message.tool_calls), encoding);
  if (typeof message.tool_call_id === "string") total += countTextTokens(message.tool_call_id, encoding);
  return total;
}

/**
 * Tokens of one chat example as billed for training: Σ per message (3 + tokens of role, content and name,
 * +1 if name) + 3. Tool definitions are billed by OpenAI too but the formula has no term for them; they are
 * counted as the tokens of their JSON text, so examples with tools are estimates.
 */
export function countChatExampleTokens(example: ChatExampleInput, model: string): number {
  const encoding = encodingNameForModel(model);
  let total = REPLY_PRIMING;
  for (const message of example.messages) total += countMessage(message, encoding);
  if (Array.isArray(example.tools) && example.tools.length > 0) total += countTextTokens(JSON.stringify(example.tools), encoding);
  return total;
}

/** Tokens of plain text with the model's encoding. */
export function countTextTokensForModel(text: string, model: string): number {
  return countTextTokens(text, encodingNameForModel(model));
}

/** The TokenCounter for an OpenAI model (or an `ft:` model built on one). */
export function openAiTokenCounter(model: string): TokenCounter {
  const encoding = encodingNameForModel(model);
  return {
    model,
    tokenLimit: tokenLimitForModel(model),
    countText: (text) => countTextTokens(text, encoding),
    countExample: (example) => countChatExampleTokens(example, model),
  };
}
