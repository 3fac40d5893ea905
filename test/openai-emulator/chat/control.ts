import { EmulatorError } from "../errors";

// Scripted behaviour of /v1/chat/completions, steered through POST /_emulator/chat: rules checked in order
// (first match wins) that force a reply or an error, a per-request latency (the bench sets a realistic one),
// and per-model counters of answered completions (tests check a resumed eval generates nothing twice).

export type ChatRule = {
  /** Exact model id the rule applies to; absent = any model. */
  model?: string;
  /** A substring of any message's content; absent = any request. */
  contains?: string;
  /** The assistant content to answer with. */
  reply?: string;
  /** Tool calls to answer with (beside `reply`, if any): message.tool_calls, finish_reason "tool_calls"; made only
   * when the request offers every function named. */
  toolCalls?: { name: string; arguments: unknown }[];
  /**
   * With `reply`: a reasoning model's thinking, returned beside the content as `message.reasoning_content`, the
   * field vLLM's and DeepSeek's OpenAI-compatible servers add (OpenAI's own API never sends it), for `endpoint:`
   * models. Its tokens count into completion_tokens, as those servers count them. A request with vLLM's
   * `chat_template_kwargs: {"enable_thinking": false}` gets the reply without it, as Qwen3 answers without thinking.
   */
  reasoning?: string;
  /** An HTTP error status to answer with instead (429 carries retry-after). */
  status?: number;
  /** The error message for `status`. */
  message?: string;
  /** Latency of matching requests, instead of latencyMs. */
  delayMs?: number;
  /** The rule applies this many times, then retires; absent = forever. */
  times?: number;
};

export type ChatControl = {
  rules: ChatRule[];
  /** Added to every chat completion before it answers (real time, not the emulator clock). */
  latencyMs: number;
  /** A streamed reply's pause between chunks (stream: true), after latencyMs before the first. */
  streamGapMs: number;
  /** Answered completions per model (status 200 sent to a client still connected). */
  counts: Record<string, number>;
};

export const newChatControl = (): ChatControl => ({ rules: [], latencyMs: 2, streamGapMs: 0, counts: {} });

const bad = (field: string, rule: string) => new EmulatorError(400, `'${field}' ${rule}.`, "invalid_request_error", "invalid_value", field);

function parseRule(raw: unknown, i: number): ChatRule {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw bad(`rules[${i}]`, "must be an object");
  const r = raw as Record<string, unknown>;
  const known = ["model", "contains", "reply", "toolCalls", "reasoning", "status", "message", "delayMs", "times"];
  for (const key of Object.keys(r)) if (!known.includes(key)) throw bad(`rules[${i}].${key}`, `is not a rule field; known: ${known.join(", ")}`);
  for (const key of ["model", "contains", "reply", "reasoning", "message"]) if (r[key] !== undefined && typeof r[key] !== "string") throw bad(`rules[${i}].${key}`, "must be a string");
  for (const key of ["status", "delayMs", "times"]) if (r[key] !== undefined && (typeof r[key] !== "number" || !((r[key] as number) >= 0))) throw bad(`rules[${i}].${key}`, "must be a number >= 0");
  if (r.status !== undefined && ((r.status as number) < 400 || (r.status as number) > 599)) throw bad(`rules[${i}].status`, "must be an HTTP error status (400-599)");
  if (r.toolCalls !== undefined && (!Array.isArray(r.toolCalls) || !r.toolCalls.every((c) => c && typeof c === "object" && typeof (c as { name?: unknown }).name === "string"))) {
    throw bad(`rules[${i}].toolCalls`, "must be an array of {name, arguments}");
  }
  if (r.reply === undefined && r.toolCalls === undefined && r.status === undefined && r.delayMs === undefined) throw bad(`rules[${i}]`, "needs a reply, toolCalls, a status or a delayMs");
  if (r.reasoning !== undefined && r.reply === undefined) throw bad(`rules[${i}].reasoning`, "needs a reply to go with");
  return r as ChatRule;
}

const CONTROL_FIELDS = ["rules", "latencyMs", "streamGapMs", "resetCounts"];

/** POST /_emulator/chat {rules?, latencyMs?, streamGapMs?, resetCounts?}: rules replace the current ones. */
export function applyChatControl(chat: ChatControl, body: Record<string, unknown>): ChatControl {
  for (const key of Object.keys(body)) if (!CONTROL_FIELDS.includes(key)) throw bad(key, `is not a chat control field; known: ${CONTROL_FIELDS.join(", ")}`);
  if (body.rules !== undefined) {
    if (!Array.isArray(body.rules)) throw bad("rules", "must be an array");
    chat.rules = body.rules.map(parseRule);
  }
  if (body.latencyMs !== undefined) {
    if (typeof body.latencyMs !== "number" || !(body.latencyMs >= 0)) throw bad("latencyMs", "must be a number >= 0");
    chat.latencyMs = body.latencyMs;
  }
  if (body.streamGapMs !== undefined) {
    if (typeof body.streamGapMs !== "number" || !(body.streamGapMs >= 0)) throw bad("streamGapMs", "must be a number >= 0");
    chat.streamGapMs = body.streamGapMs;
  }
  if (body.resetCounts === true) chat.counts = {};
  return chat;
}

/** The first rule matching this request; a rule with `times` counts down and retires at 0. */
export function matchRule(chat: ChatControl, model: string, contents: string[]): ChatRule | null {
  const i = chat.rules.findIndex((r) => (r.model === undefined || r.model === model) && (r.contains === undefined || contents.some((c) => c.includes(r.contains!))));
  if (i < 0) return null;
  const rule = chat.rules[i]!;
  if (rule.times !== undefined) {
    rule.times -= 1;
    if (rule.times <= 0) chat.rules.splice(i, 1);
  }
  return rule;
}
