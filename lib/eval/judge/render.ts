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

/** The prompt messages in order, each with its role. */
export function renderConversation(prompt: ChatMessage[]): string {
  return block("conversation", prompt.map((m) => `[${m.role}]\n${messageText(m)}`).join("\n\n"));
}
