import type { CountableRow, ExampleTokenCounter } from "./counter";
import { fingerprintRow } from "./fingerprint";
import type { ThreadRow, ThreadRowResult } from "./thread-protocol";

// The per-row work of the analysis — parse the JSON columns, count tokens when needed, fingerprint — shared by
// the counting threads and the inline path used for small datasets.

function parse(text: string | null): unknown {
  return text == null ? null : (JSON.parse(text) as unknown);
}

export function analyzeRow(row: ThreadRow, counter: ExampleTokenCounter): ThreadRowResult {
  const stored: CountableRow = { kind: row.kind, messages: parse(row.messages), tools: parse(row.tools), preference: parse(row.preference), extra: parse(row.extra) };
  let tokens: { tokenCount: number; assistantTokens: number } | null = null;
  if (row.count) {
    try {
      tokens = counter.count(stored);
    } catch {
      // A row too malformed to render (its example-level errors say why) counts its messages only, so it
      // does not stay "not counted" forever.
      tokens = counter.count({ kind: "chat", messages: Array.isArray(stored.messages) ? stored.messages : [], tools: null, preference: null, extra: null });
    }
  }
  return { id: row.id, tokenCount: tokens?.tokenCount ?? null, assistantTokens: tokens?.assistantTokens ?? null, fingerprint: fingerprintRow(stored) };
}
