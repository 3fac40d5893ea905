import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { dataDir } from "../env";
import { canonicalJson } from "./content-hash";

// What changed between two versions (+added, −removed, ~changed). Frozen files carry no example ids, so examples
// are matched by content: an identical example (same canonical hash, same split) is unchanged; among the rest, an
// old and a new example that share a prompt are one example edited (~changed); whatever is left was added or
// removed. When entries do carry ids (the working set vs a version), ids decide instead.

export type DiffSplit = "train" | "validation";

export type DiffEntry = { split: DiffSplit; record: Record<string, unknown>; id?: string };

type Keyed = DiffEntry & { hash: string; prompt: string };

export type VersionDiff = {
  added: DiffEntry[];
  removed: DiffEntry[];
  changed: { before: DiffEntry; after: DiffEntry }[];
  unchanged: number;
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The part of an example a user rarely rewrites while fixing its answer: what leads up to the first reply. */
function promptOf(record: Record<string, unknown>): unknown {
  if (isRecord(record.input)) return { messages: record.input.messages, tools: record.input.tools };
  const messages = Array.isArray(record.messages) ? record.messages : [];
  const firstReply = messages.findIndex((m) => isRecord(m) && m.role === "assistant");
  return { messages: firstReply < 0 ? messages : messages.slice(0, firstReply), tools: record.tools };
}

function keyed(entry: DiffEntry): Keyed {
  const hash = createHash("sha256").update(canonicalJson({ split: entry.split, record: entry.record })).digest("hex");
  return { ...entry, hash, prompt: canonicalJson(promptOf(entry.record)) };
}

function strip({ hash: _h, prompt: _p, ...entry }: Keyed): DiffEntry {
  return entry;
}

/** Groups in first-seen order, so pairing follows line order and the result is deterministic. */
function groupBy(entries: Keyed[], key: (e: Keyed) => string): Map<string, Keyed[]> {
  const groups = new Map<string, Keyed[]>();
  for (const e of entries) groups.set(key(e), [...(groups.get(key(e)) ?? []), e]);
  return groups;
}

/** Pairs entries of `a` and `b` with equal keys (one to one, in order); returns pairs and what is left. */
function pair(a: Keyed[], b: Keyed[], key: (e: Keyed) => string): { pairs: [Keyed, Keyed][]; restA: Keyed[]; restB: Keyed[] } {
  const pool = groupBy(b, key);
  const pairs: [Keyed, Keyed][] = [];
  const restA: Keyed[] = [];
  for (const e of a) {
    const match = pool.get(key(e))?.shift();
    if (match) pairs.push([e, match]);
    else restA.push(e);
  }
  const used = new Set(pairs.map(([, m]) => m));
  return { pairs, restA, restB: b.filter((e) => !used.has(e)) };
}

export function diffVersions(a: readonly DiffEntry[], b: readonly DiffEntry[]): VersionDiff {
  const before = a.map(keyed);
  const after = b.map(keyed);
  const byId = before.every((e) => e.id !== undefined) && after.every((e) => e.id !== undefined);
  if (byId) {
    const { pairs, restA, restB } = pair(before, after, (e) => e.id!);
    const changed = pairs.filter(([x, y]) => x.hash !== y.hash);
    return {
      added: restB.map(strip),
      removed: restA.map(strip),
      changed: changed.map(([x, y]) => ({ before: strip(x), after: strip(y) })),
      unchanged: pairs.length - changed.length,
    };
  }
  const same = pair(before, after, (e) => e.hash);
  const edited = pair(same.restA, same.restB, (e) => e.prompt);
  return {
    added: edited.restB.map(strip),
    removed: edited.restA.map(strip),
    changed: edited.pairs.map(([x, y]) => ({ before: strip(x), after: strip(y) })),
    unchanged: same.pairs.length,
  };
}

/** The examples of a frozen version, read back from its files (paths relative to the data directory). */
export async function readVersionEntries(
  version: { trainPath: string; validationPath: string | null },
  root: string = dataDir(),
): Promise<DiffEntry[]> {
  const files: [DiffSplit, string | null][] = [["train", version.trainPath], ["validation", version.validationPath]];
  const entries: DiffEntry[] = [];
  for (const [split, rel] of files) {
    if (!rel) continue;
    const text = await readFile(path.join(root, rel), "utf8");
    for (const line of text.split("\n")) {
      if (line !== "") entries.push({ split, record: JSON.parse(line) as Record<string, unknown> });
    }
  }
  return entries;
}
