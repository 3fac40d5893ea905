// Parsing of the editor's "Tool calls" and "Tools" JSON text boxes. The browser uses it for live feedback and
// the server's shape check refuses the same malformed input, so nothing unsavable reaches the database.
// Only unsavable input is an error here; OpenAI's finer rules are reported by the validator after the save.

import { findJsonSyntaxError } from "./json-position";

export type JsonParse<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseJsonText(text: string): JsonParse<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const at = findJsonSyntaxError(text);
    return { ok: false, error: at ? `Not valid JSON at line ${at.line}, column ${at.column}: ${at.reason}` : `Not valid JSON: ${(err as Error).message}` };
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * An assistant message's tool_calls text: empty means "no tool calls" (undefined); otherwise a JSON array of
 * {id, type: "function", function: {name, arguments}} whose arguments is a string holding JSON.
 */
export function parseToolCallsText(text: string): JsonParse<Record<string, unknown>[] | undefined> {
  if (text.trim() === "") return { ok: true, value: undefined };
  const parsed = parseJsonText(text);
  if (!parsed.ok) return parsed;
  const calls = parsed.value;
  if (!Array.isArray(calls)) return { ok: false, error: "Tool calls must be a JSON array: [{\"id\": …, \"type\": \"function\", \"function\": {…}}]" };
  for (const [i, call] of calls.entries()) {
    const at = `Tool call ${i + 1}`;
    if (!isRecord(call)) return { ok: false, error: `${at} must be an object` };
    if (typeof call.id !== "string" || call.id === "") return { ok: false, error: `${at}: "id" must be a non-empty string, e.g. "call_1"` };
    if (call.type !== "function") return { ok: false, error: `${at}: "type" must be "function"` };
    const fn = call.function;
    if (!isRecord(fn)) return { ok: false, error: `${at}: "function" must be an object {"name": …, "arguments": …}` };
    if (typeof fn.name !== "string" || fn.name === "") return { ok: false, error: `${at}: "function.name" must be a non-empty string` };
    if (typeof fn.arguments !== "string") {
      return { ok: false, error: `${at}: "function.arguments" must be a string holding JSON, e.g. "{\\"city\\": \\"Paris\\"}"` };
    }
    const args = parseJsonText(fn.arguments);
    if (!args.ok) return { ok: false, error: `${at}: "function.arguments" is not valid JSON (${args.error.replace(/^Not valid JSON /, "")})` };
  }
  return { ok: true, value: calls as Record<string, unknown>[] };
}

/** The example's tools text: empty means none (null); otherwise a JSON array of objects. */
export function parseToolsText(text: string): JsonParse<Record<string, unknown>[] | null> {
  if (text.trim() === "") return { ok: true, value: null };
  const parsed = parseJsonText(text);
  if (!parsed.ok) return parsed;
  if (!Array.isArray(parsed.value)) return { ok: false, error: "Tools must be a JSON array of tool definitions: [{\"type\": \"function\", \"function\": {…}}]" };
  const bad = parsed.value.findIndex((t) => !isRecord(t));
  if (bad >= 0) return { ok: false, error: `Tool ${bad + 1} must be an object` };
  return { ok: true, value: parsed.value as Record<string, unknown>[] };
}

/** Pretty JSON for a text box; empty for nothing. */
export function toJsonText(value: unknown): string {
  return value == null || (Array.isArray(value) && value.length === 0) ? "" : JSON.stringify(value, null, 2);
}
