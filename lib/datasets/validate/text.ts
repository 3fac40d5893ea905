import { createHash } from "node:crypto";
import { isRecord } from "./types";

// Text views of an example for the dataset-wide checks: the whole conversation (duplicates) and the prompt
// (leakage). Normalized so that whitespace and case differences do not hide a copy.

export function normalize(text: string): string {
  return text.toLowerCase().replace(/\s+/g, " ").trim();
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((p) => (isRecord(p) ? (typeof p.text === "string" ? p.text : isRecord(p.image_url) ? String(p.image_url.url) : "") : "")).join(" ");
}

function messageText(m: unknown): string {
  if (!isRecord(m)) return "";
  const calls = Array.isArray(m.tool_calls)
    ? m.tool_calls.map((c) => (isRecord(c) && isRecord(c.function) ? `${String(c.function.name)} ${String(c.function.arguments)}` : "")).join(" ")
    : "";
  return `${String(m.role)}: ${contentText(m.content)} ${calls}`;
}

/** Messages of a chat line, or prompt + preferred reply of a preference line. */
export function conversationMessages(example: Record<string, unknown>): unknown[] {
  if (Array.isArray(example.messages)) return example.messages;
  const input = isRecord(example.input) && Array.isArray(example.input.messages) ? example.input.messages : [];
  const preferred = Array.isArray(example.preferred_output) ? example.preferred_output : [];
  const nonPreferred = Array.isArray(example.non_preferred_output) ? example.non_preferred_output : [];
  return [...input, ...preferred, ...nonPreferred];
}

export function conversationText(example: Record<string, unknown>): string {
  return normalize(conversationMessages(example).map(messageText).join("\n"));
}

/**
 * The conversation without system messages, for near-duplicates: a long system prompt shared by every
 * example would otherwise push unrelated examples over the Jaccard threshold.
 */
export function dialogueText(example: Record<string, unknown>): string {
  return normalize(
    conversationMessages(example)
      .filter((m) => !(isRecord(m) && m.role === "system"))
      .map(messageText)
      .join("\n"),
  );
}

/**
 * The prompt, for leakage: the user turns only. System prompts are usually shared by every example, so
 * including them would make every pair look alike.
 */
export function promptText(example: Record<string, unknown>): string {
  return normalize(
    conversationMessages(example)
      .filter((m) => isRecord(m) && m.role === "user")
      .map((m) => contentText((m as { content?: unknown }).content))
      .join("\n"),
  );
}

/** A short fixed-size key for exact matching, so 100k examples do not keep their text in memory. */
export function digest(text: string): string {
  return createHash("sha1").update(text).digest("base64");
}
