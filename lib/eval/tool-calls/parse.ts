import type { EvalCall } from "./format";
import { parsePythonicCalls } from "./pythonic";

// The tool calls written in a reply's text, in the forms the model families we train write them:
//  - <tool_call>{"name": …, "arguments": {…}}</tool_call> blocks (Hermes, Qwen 2.5 / 3, and how eval stores calls);
//  - LFM2: <|tool_call_start|>[f(a=1)]<|tool_call_end|>, or JSON between those tokens;
//  - Phi-4-mini: <|tool_call|>[{"name": …, "arguments": …}]<|/tool_call|>;
//  - Mistral: [TOOL_CALLS][{"name": …, "arguments": …}] (v3), or [TOOL_CALLS]name[ARGS]{…} (v11 and later);
//  - Llama 3.1+: the whole reply one JSON object {"name": …, "parameters": {…}} (after <|python_tag|> or not),
//    several separated by ";"; also a whole reply that is a JSON list of such objects.
// A block that does not read as calls counts as no call: a model that writes a broken call has not made it.

const json = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** {"name", "arguments" | "parameters"} → a call; arguments written as a JSON string are read. */
function callOf(value: unknown): EvalCall | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const v = value as { name?: unknown; arguments?: unknown; parameters?: unknown; function?: unknown };
  if (v.function && typeof v.function === "object") return callOf(v.function);
  if (typeof v.name !== "string") return null;
  let args = v.arguments !== undefined ? v.arguments : (v.parameters ?? {});
  if (typeof args === "string") args = json(args) ?? args;
  return { name: v.name, arguments: args };
}

/** Only a call's keys, arguments among them: a bare JSON answer like {"name": "Ada"} is data, not a call. */
const CALL_KEYS = new Set(["name", "arguments", "parameters", "type", "id"]);
const looksLikeCall = (v: unknown) =>
  !!v && typeof v === "object" && Object.keys(v).every((k) => CALL_KEYS.has(k)) && ("arguments" in v || "parameters" in v);

/** A JSON object or list of objects, each a call; null when any is not one. `bare`: no tags around it (Llama's). */
function jsonCalls(text: string, bare = false): EvalCall[] | null {
  const value = json(text.trim());
  const items = Array.isArray(value) ? value : value === undefined ? null : [value];
  if (!items || items.length === 0) return null;
  if (bare && !items.every(looksLikeCall)) return null;
  const calls = items.map(callOf);
  return calls.every((c): c is EvalCall => c !== null) ? calls : null;
}

function between(text: string, open: string, close: string, read: (inner: string) => EvalCall[] | null): EvalCall[] | null {
  if (!text.includes(open)) return null;
  const calls: EvalCall[] = [];
  const pattern = new RegExp(`${escape(open)}([\\s\\S]*?)(?:${escape(close)}|$)`, "g");
  for (const m of text.matchAll(pattern)) calls.push(...(read(m[1]!) ?? []));
  return calls;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** Mistral v11+: [TOOL_CALLS]name[ARGS]{…} (with [CALL_ID]id before [ARGS] in some versions), repeated. */
function mistralNamed(text: string): EvalCall[] | null {
  const calls: EvalCall[] = [];
  for (const part of text.split("[TOOL_CALLS]").slice(1)) {
    const m = /^\s*([\w.-]+)(?:\[CALL_ID\][^[]*)?\[ARGS\]([\s\S]*)$/.exec(part);
    if (!m) continue;
    const args = json(m[2]!.trim());
    if (args !== undefined) calls.push({ name: m[1]!, arguments: args });
  }
  return calls;
}

export function parseCalls(text: string): EvalCall[] {
  const hermes = between(text, "<tool_call>", "</tool_call>", jsonCalls);
  if (hermes) return hermes;
  const lfm2 = between(text, "<|tool_call_start|>", "<|tool_call_end|>", (inner) => jsonCalls(inner) ?? parsePythonicCalls(inner.trim()));
  if (lfm2) return lfm2;
  const phi = between(text, "<|tool_call|>", "<|/tool_call|>", jsonCalls);
  if (phi) return phi;
  if (text.includes("[TOOL_CALLS]")) {
    const after = text.slice(text.indexOf("[TOOL_CALLS]") + "[TOOL_CALLS]".length).replace(/<\/s>\s*$/, "");
    return jsonCalls(after) ?? mistralNamed(text) ?? [];
  }
  // Llama: the reply is only the call(s); text around a JSON object is an answer that happens to show JSON.
  const body = text.replace(/^\s*<\|python_tag\|>/, "").replace(/<\|eom_id\|>\s*$|<\|eot_id\|>\s*$/, "").trim();
  if (!body.startsWith("{") && !body.startsWith("[")) return [];
  const whole = jsonCalls(body, true);
  if (whole) return whole;
  const parts = body.split(/\s*;\s*(?=\{)/).map((p) => jsonCalls(p, true));
  return parts.length > 1 && parts.every((p) => p !== null) ? parts.flat() as EvalCall[] : [];
}
