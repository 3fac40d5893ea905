import fs from "node:fs";
import type { PrismaClient } from "@prisma/client";
import { absoluteInData } from "../../jobs/local/run/paths";
import { exampleContentHash } from "../../datasets/content-hash";
import { HttpError } from "../../http/errors";
import { callsOfToolCalls, replyText } from "../tool-calls";
import type { ChatMessage } from "../types";

// The held-out side of a frozen version, read as frozen: each JSONL line of the split becomes one sample.
// Prompt = the messages without the final assistant turn, expected = that turn's content (the seed's
// evaluate_fine_tuned_model), its tool calls written after it as <tool_call> blocks (lib/eval/tool-calls); the
// line's tool definitions go with the sample, so both models are offered the same tools the data was written
// with, and earlier calls and tool results stay in the prompt. A line that does not end with an assistant turn has nothing to compare against
// and is skipped (counted, so creation can warn). Tags come from the dataset's examples with the same content
// hash: the frozen file carries no tags, and the hash is how a line is matched back to its row.

export type PreparedSample = { index: number; prompt: ChatMessage[]; tools: unknown[] | null; expected: string; tags: string[]; hash: string };

export type SplitLines = { file: string; lines: { line: number; value: Record<string, unknown>; hash: string }[] };

type RawMessage = { role?: unknown; content?: unknown; tool_calls?: unknown; tool_call_id?: unknown; name?: unknown };

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === "object" && typeof (p as { text?: unknown }).text === "string" ? (p as { text: string }).text : "")).join("");
  return "";
}

/** A message as a prompt holds it: role and text, and the tool fields a conversation with calls needs. */
function promptMessage(m: RawMessage): ChatMessage {
  const out: ChatMessage = { role: String(m.role), content: textOf(m.content) };
  // As read from JSON: JSON values.
  if (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) out.tool_calls = m.tool_calls as ChatMessage["tool_calls"];
  if (typeof m.tool_call_id === "string") out.tool_call_id = m.tool_call_id;
  if (typeof m.name === "string") out.name = m.name;
  return out;
}

/** Reads one split of a version; `field` names the request field in errors. */
export function readSplitLines(dataDir: string, relPath: string, what: string): SplitLines {
  const file = absoluteInData(dataDir, relPath);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new HttpError(409, "version_file_missing", `${what}: cannot read ${file} (${(err as Error).message}); freeze a new version.`);
  }
  const lines: SplitLines["lines"] = [];
  text
    .replace(/^\uFEFF/, "")
    .split("\n")
    .forEach((raw, i) => {
      if (raw.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (err) {
        throw new HttpError(409, "version_file_invalid", `${file} line ${i + 1}: not valid JSON (${(err as Error).message}).`);
      }
      const v = value as Record<string, unknown>;
      lines.push({ line: i + 1, value: v, hash: exampleContentHash({ messages: v.messages, tools: v.tools }) });
    });
  return { file, lines };
}

export function samplesOfLines(lines: SplitLines["lines"], limit?: number): { samples: PreparedSample[]; skipped: number[] } {
  const samples: PreparedSample[] = [];
  const skipped: number[] = [];
  for (const l of lines) {
    if (limit !== undefined && samples.length >= limit) break;
    const messages = Array.isArray(l.value.messages) ? (l.value.messages as RawMessage[]) : [];
    const last = messages[messages.length - 1];
    if (!last || last.role !== "assistant" || messages.length < 2) {
      skipped.push(l.line);
      continue;
    }
    const prompt = messages.slice(0, -1).map(promptMessage);
    const tools = Array.isArray(l.value.tools) && l.value.tools.length > 0 ? (l.value.tools as unknown[]) : null;
    samples.push({ index: samples.length, prompt, tools, expected: replyText(textOf(last.content), callsOfToolCalls(last.tool_calls)), tags: [], hash: l.hash });
  }
  return { samples, skipped };
}

/** Fills each sample's tags from the dataset's rows with the same content hash. */
export async function attachTags(db: PrismaClient, datasetId: string, samples: PreparedSample[]): Promise<void> {
  const hashes = [...new Set(samples.map((s) => s.hash))];
  const byHash = new Map<string, Set<string>>();
  for (let i = 0; i < hashes.length; i += 5_000) {
    const rows = await db.example.findMany({ where: { datasetId, contentHash: { in: hashes.slice(i, i + 5_000) } }, select: { contentHash: true, tags: true } });
    for (const r of rows) {
      const set = byHash.get(r.contentHash) ?? new Set<string>();
      for (const t of r.tags) set.add(t);
      byHash.set(r.contentHash, set);
    }
  }
  for (const s of samples) s.tags = [...(byHash.get(s.hash) ?? [])].sort();
}

/** Prompts (by their prompt messages) that also occur in a training file: held-out data the model has seen. */
export function overlappingPrompts(samples: PreparedSample[], train: SplitLines["lines"]): number {
  const key = (prompt: unknown) => JSON.stringify(prompt);
  const seen = new Set<string>();
  for (const l of train) {
    const messages = Array.isArray(l.value.messages) ? (l.value.messages as RawMessage[]) : [];
    const last = messages[messages.length - 1];
    const prompt = last?.role === "assistant" ? messages.slice(0, -1) : messages;
    seen.add(key(prompt.map(promptMessage)));
  }
  return samples.filter((s) => seen.has(key(s.prompt))).length;
}
