import { callsOfToolCalls, replyText } from "../tool-calls";
import type { ChatMessage } from "../types";

// How a conversation and candidate texts are shown to a judge: tagged blocks, so the judge cannot mistake where a
// response begins or ends, and a response that itself contains "Response B:" cannot pose as the other one.

/** One tagged block; a closing tag inside the text is defused so the block cannot be ended early. */
export function block(tag: string, text: string): string {
  return `<${tag}>\n${text.replaceAll(`</${tag}>`, `<\\/${tag}>`)}\n</${tag}>`;
}

/** A prompt message's text, an assistant turn's tool calls written after it as the outputs' are. */
export const messageText = (m: ChatMessage): string => replyText(m.content, callsOfToolCalls(m.tool_calls));

/**
 * The tools the models were offered, one definition per line, and how a call reads: the judge can then tell a
 * well-formed call of the right function from a made-up one. Empty without tools.
 */
export function renderTools(tools: unknown[] | null | undefined): string {
  if (!tools || tools.length === 0) return "";
  const lines = tools.map((t) => JSON.stringify((t as { function?: unknown } | null)?.function ?? t));
  return `${block("tools", lines.join("\n"))}\nThe assistant could call these tools. A call is written as <tool_call>{"name": ..., "arguments": {...}}</tool_call>; judge a call by whether it is the right function with the right arguments.\n\n`;
}

/** The prompt messages in order, each with its role. */
export function renderConversation(prompt: ChatMessage[]): string {
  return block("conversation", prompt.map((m) => `[${m.role}]\n${messageText(m)}`).join("\n\n"));
}
