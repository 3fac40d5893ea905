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

/** The conversation with its calls' ids and tool messages' tool_call_id as 9-character ids; a call without one gets
 * one from its place (message and call index), so the template's check does not stop it. */
export function withNineCharCallIds(messages: ChatMessage[]): ChatMessage[] {
  return messages.map((m, i) => {
    if (m.role === "tool" && typeof m.tool_call_id === "string") return { ...m, tool_call_id: nineCharId(m.tool_call_id) };
    if (m.role !== "assistant" || !Array.isArray(m.tool_calls)) return m;
    const calls = (m.tool_calls as unknown[]).map((c, j) => {
      if (!c || typeof c !== "object") return c;
      const id = (c as { id?: unknown }).id;
      return { ...(c as object), id: nineCharId(typeof id === "string" ? id : `messages[${i}].tool_calls[${j}]`) };
    });
    return { ...m, tool_calls: calls };
  });
}
