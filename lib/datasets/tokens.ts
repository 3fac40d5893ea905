import { Tiktoken } from "js-tiktoken/lite";
import o200kBase from "js-tiktoken/ranks/o200k_base";

// Token counts follow the OpenAI cookbook formula for chat models (gpt-4o / gpt-4.1 family, o200k_base):
// 3 tokens per message, +1 per `name`, +3 to prime the reply. Tool definitions are not counted,
// so for examples with tools the figure is an estimate (the cookbook says the same).

let encoder: Tiktoken | undefined;

function o200k(): Tiktoken {
  // The rank table is large; build the encoder once per process.
  encoder ??= new Tiktoken(o200kBase);
  return encoder;
}

/** Tokens of plain text. User text that looks like a special token is counted as ordinary text. */
export function countTextTokens(text: string): number {
  return o200k().encode(text, [], []).length;
}

type ChatMessage = {
  role?: unknown;
  content?: unknown;
  name?: unknown;
  tool_calls?: unknown;
};

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  // Multi-part content: only text parts have a token cost we can compute here.
  return content
    .map((part) => (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string" ? (part as { text: string }).text : ""))
    .join("");
}

function toolCallsText(toolCalls: unknown): string {
  if (!Array.isArray(toolCalls)) return "";
  return toolCalls
    .map((call) => {
      const fn = (call as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
      return `${typeof fn?.name === "string" ? fn.name : ""}${typeof fn?.arguments === "string" ? fn.arguments : ""}`;
    })
    .join("");
}

/** Estimated prompt+completion tokens of one chat example, as billed for training. */
export function countChatTokens(messages: readonly ChatMessage[]): number {
  let total = 3;
  for (const m of messages) {
    total += 3;
    if (typeof m.role === "string") total += countTextTokens(m.role);
    total += countTextTokens(contentText(m.content));
    total += countTextTokens(toolCallsText(m.tool_calls));
    if (typeof m.name === "string") total += countTextTokens(m.name) + 1;
  }
  return total;
}
