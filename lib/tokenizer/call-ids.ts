import { createHash } from "node:crypto";
import type { ChatMessage } from "./chat-tokenizer";

// Mistral's chat templates (7B Instruct v0.3, Nemo, Small, and fine-tunes built on them) do not merely write a tool
// call's id, they check it: "Tool call IDs should be alphanumeric strings with length 9!" is raised from inside the
// template, and OpenAI's ids ("call_" + 24 characters) or a dataset's ("call_1") never pass. For such a template each
// id is replaced, in what the template sees only, by 9 letters and digits derived from it: the same id gives the same
// replacement in the call and in the tool message that answers it (so they still pair), and in every rendering of the
// conversation (so training text and prompts agree token for token). An id that already passes is kept.

const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** Whether a template's source checks call ids for Mistral's 9 characters. */
export const templateWantsNineCharIds = (source: string): boolean => /\|\s*length\s*!=\s*9/.test(source);

export function nineCharId(id: string): string {
  if (/^[A-Za-z0-9]{9}$/.test(id)) return id;
  const digest = createHash("sha256").update(id).digest();
  let out = "";
  for (let i = 0; i < 9; i++) out += ALPHABET[digest[i]! % ALPHABET.length];
  return out;
}

/** The id the template sees for call `j` of messages[i] (its own id mapped, or one from its place). */
const callId = (i: number, j: number, call: unknown): string => {
  const id = (call as { id?: unknown } | null)?.id;
  return nineCharId(typeof id === "string" ? id : `messages[${i}].tool_calls[${j}]`);
};

/** The ids a Mistral reply wrote itself, in order: `[TOOL_CALLS] [{"name": …, "arguments": …, "id": "a1B2c3D4e"}]`. */
const idsInText = (content: unknown): string[] =>
  typeof content === "string" && content.includes("[TOOL_CALLS]") ? [...content.matchAll(/"id"\s*:\s*"([A-Za-z0-9]{9})"/g)].map((m) => m[1]!) : [];

/**
 * The id for a tool message that names none (the playground's: the user types a result after a reply whose calls
 * are raw text): the tool messages right after a reply answer its calls in order, so the k-th takes the k-th call's
 * id, from the reply's tool_calls or from the ids the reply wrote in its text (a model trained through this template
 * writes them); failing both, one from its own place, so the template's check passes.
 */
function answeredCallId(messages: ChatMessage[], i: number): string {
  let k = 0;
  let reply = i - 1;
  while (reply >= 0 && messages[reply]!.role === "tool") {
    reply--;
    k++;
  }
  const m = messages[reply];
  if (m?.role === "assistant") {
    if (Array.isArray(m.tool_calls) && k < m.tool_calls.length) return callId(reply, k, m.tool_calls[k]);
    const written = idsInText(m.content);
    if (k < written.length) return written[k]!;
  }
  return nineCharId(`messages[${i}]`);
}

/** The conversation with its calls' ids and tool messages' tool_call_id as 9-character ids; a call without one gets
 * one from its place (message and call index), a tool message without one the id of the call it answers. */
export function withNineCharCallIds(messages: ChatMessage[]): ChatMessage[] {
  return messages.map((m, i) => {
    if (m.role === "tool") return { ...m, tool_call_id: typeof m.tool_call_id === "string" ? nineCharId(m.tool_call_id) : answeredCallId(messages, i) };
    if (m.role !== "assistant" || !Array.isArray(m.tool_calls)) return m;
    const calls = (m.tool_calls as unknown[]).map((c, j) => (c && typeof c === "object" ? { ...(c as object), id: callId(i, j, c) } : c));
    return { ...m, tool_calls: calls };
  });
}
