// Replies of reasoning models (Qwen3, QwQ, DeepSeek-R1 and its distills, gpt-oss behind vLLM) carry their thinking
// before the answer. One form is stored, whatever produced it: the output text with the thinking as a leading
// "<think>…</think>" block, as these models write it themselves (a local model's raw text, an endpoint without a
// reasoning parser), or as withReasoning writes an OpenAI-compatible server's separate `reasoning_content`.
// Evaluation metrics and judges read the answer; the side-by-side view and the playground fold the thinking away.

export type ReasoningSplit = {
  /** The thinking, trimmed; null when the text has no leading think block. An empty block gives "". */
  reasoning: string | null;
  /** What the model answered after its thinking ("" when it was cut off while thinking). */
  answer: string;
  /** The think block was still open when generation stopped (max tokens reached while thinking). */
  unfinished: boolean;
};

const OPEN = "<think>";
const CLOSE = "</think>";

export function splitReasoning(text: string): ReasoningSplit {
  const start = text.length - text.trimStart().length;
  if (!text.startsWith(OPEN, start)) return { reasoning: null, answer: text, unfinished: false };
  const end = text.indexOf(CLOSE, start + OPEN.length);
  if (end < 0) return { reasoning: text.slice(start + OPEN.length).trim(), answer: "", unfinished: true };
  return { reasoning: text.slice(start + OPEN.length, end).trim(), answer: text.slice(end + CLOSE.length).trimStart(), unfinished: false };
}

/**
 * What a folded think block's summary says ("Thinking (21 words)"); null when there is nothing to unfold (no block,
 * or an empty one, as Qwen3 writes with its thinking off).
 */
export function thinkingSummary({ reasoning, unfinished }: ReasoningSplit): string | null {
  if (reasoning === null || (!reasoning && !unfinished)) return null;
  const words = reasoning.split(/\s+/).filter(Boolean).length;
  return unfinished ? `Thinking, cut off before an answer (${words} words)` : `Thinking (${words} words)`;
}

/** The answer a metric or a judge should read: the text after a leading think block, else the whole text. */
export const answerOf = (text: string): string => splitReasoning(text).answer;

/** The stored form of a reply whose server returned its thinking apart from the answer. */
export function withReasoning(reasoning: string | null | undefined, answer: string): string {
  return reasoning ? `${OPEN}\n${reasoning.trim()}\n${CLOSE}\n\n${answer}` : answer;
}

/**
 * Whether a reasoning model thinks before it answers, where its chat template lets the caller choose (Qwen3's
 * `enable_thinking`; vLLM passes the same through `chat_template_kwargs`). "default" leaves the template's own
 * choice (Qwen3: on). A template without the variable ignores it.
 */
export const THINKING_MODES = ["default", "off", "on"] as const;
export type ThinkingMode = (typeof THINKING_MODES)[number];

/** The chat template variables of a thinking mode: none for "default". */
export function thinkingVariables(mode: ThinkingMode | undefined): Record<string, boolean> {
  return mode === "off" ? { enable_thinking: false } : mode === "on" ? { enable_thinking: true } : {};
}

const REASONING_KEYS = ["reasoning_content", "reasoning"] as const;

/**
 * The thinking a message carries beside its content: vLLM's and DeepSeek's reasoning_content, newer vLLM's and
 * OpenRouter's reasoning (in a server's reply, and in the logs and distillation sets made from them). Null when none.
 */
export function separateReasoning(m: unknown): string | null {
  if (!m || typeof m !== "object" || Array.isArray(m)) return null;
  const r = m as Record<string, unknown>;
  for (const k of REASONING_KEYS) if (typeof r[k] === "string") return r[k];
  return null;
}

/** An assistant message with its thinking beside a string (or absent) content. */
export function hasSeparateReasoning(m: unknown): m is Record<string, unknown> {
  const r = m as Record<string, unknown>;
  return separateReasoning(m) !== null && r.role === "assistant" && (typeof r.content === "string" || r.content == null);
}

/** Such a message with its thinking moved into the content as the leading think block; any other message as it is. */
export function thinkingIntoContent<T>(m: T): T {
  if (!hasSeparateReasoning(m)) return m;
  const thinking = separateReasoning(m)!;
  const { reasoning_content: _c, reasoning: _r, ...rest } = m;
  return { ...rest, content: withReasoning(thinking, typeof rest.content === "string" ? rest.content : "") } as T;
}
