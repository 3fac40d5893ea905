import fs from "node:fs";
import { z } from "zod";
import { thinkingIntoContent } from "../reasoning";
import type { ChatExample, TrainingMessage } from "./masks";

// Chat JSONL as OpenAI's fine-tuning API takes it: one {"messages": [...], "tools"?: [...]} per line.
// Errors name the file, the line and the field, because users fix these files by hand.

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
export const MessageSchema = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool"]),
    content: z.union([z.string(), z.array(TextPart), z.null()]).optional(),
    weight: z.union([z.literal(0), z.literal(1)]).optional(),
  })
  .loose();
const Line = z.object({ messages: z.array(MessageSchema).min(1), tools: z.array(z.unknown()).optional() }).loose();

export type NumberedExample = ChatExample & { line: number };

export function issuePath(p: PropertyKey[]): string {
  return p.map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`)).join("").replace(/^\./, "");
}

/**
 * Templates expect string content: text parts are joined, tool-call-only turns get "". A reply's separate
 * reasoning_content becomes a leading think block in its content, as the dataset import stores it
 * (lib/reasoning.ts). `where` prefixes errors.
 */
export function normalizeMessages(messages: z.infer<typeof MessageSchema>[], where: string): TrainingMessage[] {
  return messages.map(thinkingIntoContent).map((m, i) => {
    const content = typeof m.content === "string" ? m.content : Array.isArray(m.content) ? m.content.map((p) => p.text).join("") : "";
    if (m.role === "assistant" && m.content == null && !("tool_calls" in m)) {
      throw new Error(`${where}[${i}] is an assistant message with neither content nor tool_calls`);
    }
    return { ...m, content };
  });
}

export function parseChatJsonl(text: string, file: string): NumberedExample[] {
  const out: NumberedExample[] = [];
  // Editors on Windows write a byte-order mark and CRLF line ends; neither is part of the JSON.
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new Error(`${file} line ${line}: not valid JSON (${(err as Error).message}); each line must be one {"messages": [...]} object`);
    }
    const parsed = Line.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`${file} line ${line}: ${issuePath(issue.path) || "the line"}: ${issue.message}`);
    }
    const messages = normalizeMessages(parsed.data.messages, `${file} line ${line}: messages`);
    out.push({ messages, ...(parsed.data.tools ? { tools: parsed.data.tools } : {}), line });
  });
  if (out.length === 0) throw new Error(`${file} has no examples (every line is empty)`);
  return out;
}

/** A data file's text, or an error that names the file and says why it cannot be read. */
export function readDataFile(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
}

export function readChatJsonl(file: string): NumberedExample[] {
  return parseChatJsonl(readDataFile(file), file);
}
