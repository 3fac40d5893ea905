import type { ChatMessage, ChatTokenizer } from "../tokenizer/chat-tokenizer";
import type { ChatExampleInput, TokenCounter } from "./counter";

// A local model counts what it actually trains on: the conversation rendered with the model's own chat
// template, tokenized with its own tokenizer (lib/tokenizer, the same path the native trainer uses).

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Templates expect string content; multi-part text is joined and null (a tool-call turn) becomes "". */
function templateMessage(message: unknown): ChatMessage | null {
  if (!isRecord(message) || typeof message.role !== "string") return null;
  const c = message.content;
  const content =
    typeof c === "string" ? c : Array.isArray(c) ? c.map((p) => (isRecord(p) && typeof p.text === "string" ? p.text : "")).join("") : "";
  return { ...message, role: message.role, content };
}

/**
 * The TokenCounter for a local model. `tokenLimit` is the training sequence length (the trainer truncates
 * longer examples), which is a run setting rather than a property of the model.
 */
export function localTokenCounter(model: string, chat: ChatTokenizer, tokenLimit: number): TokenCounter {
  return {
    model,
    tokenLimit,
    countText: (text) => chat.encode(text).length,
    countExample: (example: ChatExampleInput) => {
      const messages = example.messages.map(templateMessage).filter((m): m is ChatMessage => m !== null);
      const tools = Array.isArray(example.tools) && example.tools.length > 0 ? example.tools : undefined;
      return chat.encode(chat.render(messages, { addGenerationPrompt: false, tools })).length;
    },
  };
}
