import { createHash } from "node:crypto";

// Exact-duplicate detection keys on this hash, so two examples that differ only in key order,
// line endings or surrounding whitespace of a message must hash the same.

function normalize(value: unknown): unknown {
  if (typeof value === "string") return value.normalize("NFC").replace(/\r\n?/g, "\n").trim();
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, normalize(v)] as const);
    return Object.fromEntries(entries);
  }
  return value;
}

/** JSON with sorted keys and normalized strings: the canonical text of an example. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalize(value));
}

export type HashableExample = { messages: unknown; tools?: unknown; preference?: unknown };

/** sha256 (hex) of the normalized example; tools and preference count only when present. */
export function exampleContentHash(example: HashableExample): string {
  const body: Record<string, unknown> = { messages: example.messages };
  if (example.tools != null) body.tools = example.tools;
  if (example.preference != null) body.preference = example.preference;
  return createHash("sha256").update(canonicalJson(body)).digest("hex");
}
