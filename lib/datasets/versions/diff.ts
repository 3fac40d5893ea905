import type { PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { badRequest } from "../../http/errors";
import { exampleRecord } from "../export";
import { diffVersions, readVersionEntries, type DiffEntry, type DiffSplit } from "../version-diff";
import { versionFiles } from "./list";

// Diff of two versions, or of a version and the working set (what the next freeze would hold). Both sides are
// compared as the JSONL records they export to, so a diff never shows a change the file would not have.

export type DiffSide = number | "working";

/** What the UI lists for one example: split, first user message, last reply. */
export type EntryPreview = { split: DiffSplit; prompt: string; reply: string; messageCount: number };

export type ChangedPreview = {
  before: EntryPreview;
  after: EntryPreview;
  /** Indexes (0-based) of messages that differ, plus "tools", "preference" or "split" when those changed. */
  changes: string[];
};

export type DatasetDiff = {
  from: DiffSide;
  to: DiffSide;
  counts: { added: number; removed: number; changed: number; unchanged: number };
  /** At most ENTRY_CAP of each; the counts are complete. */
  added: EntryPreview[];
  removed: EntryPreview[];
  changed: ChangedPreview[];
  truncated: boolean;
};

export const ENTRY_CAP = 200;
const TEXT_CAP = 240;

type Message = { role?: unknown; content?: unknown; tool_calls?: unknown };

function messagesOf(record: Record<string, unknown>): Message[] {
  const input = record.input as { messages?: unknown } | undefined;
  const messages = Array.isArray(record.messages) ? record.messages : Array.isArray(input?.messages) ? input.messages : [];
  const preferred = Array.isArray(record.preferred_output) ? record.preferred_output : [];
  return [...messages, ...preferred] as Message[];
}

function textOf(message: Message | undefined): string {
  if (!message) return "";
  const { content } = message;
  let text = "";
  if (typeof content === "string") text = content;
  else if (Array.isArray(content)) {
    text = content.map((p) => (p && typeof p === "object" && "text" in p ? String((p as { text: unknown }).text) : "[image]")).join(" ");
  } else if (Array.isArray(message.tool_calls)) text = "[tool call]";
  return text.length > TEXT_CAP ? `${text.slice(0, TEXT_CAP)}…` : text;
}

export function entryPreview(entry: DiffEntry): EntryPreview {
  const messages = messagesOf(entry.record);
  const prompt = messages.find((m) => m.role === "user");
  const reply = [...messages].reverse().find((m) => m.role === "assistant");
  return { split: entry.split, prompt: textOf(prompt), reply: textOf(reply), messageCount: messages.length };
}

/** Which parts of an example changed, so the UI can say "message 3 changed" instead of showing two blobs. */
export function changedParts(before: DiffEntry, after: DiffEntry): string[] {
  const a = messagesOf(before.record);
  const b = messagesOf(after.record);
  const changes: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (JSON.stringify(a[i] ?? null) !== JSON.stringify(b[i] ?? null)) changes.push(String(i));
  }
  const tools = (r: Record<string, unknown>) => JSON.stringify(r.tools ?? (r.input as { tools?: unknown } | undefined)?.tools ?? null);
  if (tools(before.record) !== tools(after.record)) changes.push("tools");
  if (JSON.stringify(before.record.non_preferred_output ?? null) !== JSON.stringify(after.record.non_preferred_output ?? null)) changes.push("preference");
  if (before.split !== after.split) changes.push("split");
  return changes;
}

/** The working set as diff entries: train and validation rows in the order a freeze would write them. */
export async function workingEntries(datasetId: string, db: PrismaClient): Promise<DiffEntry[]> {
  const rows = await db.example.findMany({
    where: { datasetId, split: { in: ["train", "validation"] } },
    orderBy: [{ position: "asc" }, { id: "asc" }],
    select: { split: true, kind: true, messages: true, tools: true, preference: true, extra: true },
  });
  // No ids: version files carry none, so both sides are matched by content (see version-diff.ts).
  return rows.map((r) => ({ split: r.split as DiffSplit, record: exampleRecord(r) }));
}

async function entriesOf(datasetId: string, side: DiffSide, db: PrismaClient, root?: string): Promise<DiffEntry[]> {
  if (side === "working") return workingEntries(datasetId, db);
  const { version } = await versionFiles(datasetId, side, { db });
  return readVersionEntries(version, root);
}

export async function diffDataset(
  input: { datasetId: string; from: DiffSide; to: DiffSide },
  opts: { db?: PrismaClient; root?: string } = {},
): Promise<DatasetDiff> {
  const db = opts.db ?? prisma();
  if (input.from === input.to) throw badRequest(`from and to are both ${input.from}; choose two different versions to compare.`);
  const [before, after] = await Promise.all([entriesOf(input.datasetId, input.from, db, opts.root), entriesOf(input.datasetId, input.to, db, opts.root)]);
  const diff = diffVersions(before, after);
  return {
    from: input.from,
    to: input.to,
    counts: { added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length, unchanged: diff.unchanged },
    added: diff.added.slice(0, ENTRY_CAP).map(entryPreview),
    removed: diff.removed.slice(0, ENTRY_CAP).map(entryPreview),
    changed: diff.changed.slice(0, ENTRY_CAP).map((c) => ({ before: entryPreview(c.before), after: entryPreview(c.after), changes: changedParts(c.before, c.after) })),
    truncated: [diff.added, diff.removed, diff.changed].some((list) => list.length > ENTRY_CAP),
  };
}
