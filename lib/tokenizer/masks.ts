import type { ChatMessage, ChatTokenizer } from "./chat-tokenizer";

// Assistant-only loss masks by the prefix method (reference/trainer.md): for each assistant message i,
// render messages[:i] with add_generation_prompt=true and messages[:i+1]; the extra tokens of the second
// are that reply (its content and the template's end-of-turn). If the first is not a token prefix of the
// second the template rewrites earlier turns, and any mask we produced would be wrong, so we refuse.
//
// Reasoning templates (Qwen3, QwQ, DeepSeek-R1's distills) render a reply differently once a later user turn
// follows it: the last reply opens with its thinking ("<think>\n…\n</think>\n\n"), a reply in the history
// without it. The conversation is trained as it renders whole, which is what the model sees when it answers
// the next turn; such a reply's tokens there are the tail of its rendering as the last reply, starting right
// after the generation prompt, and are masked as that. Templates that close a conversation after its last reply
// (Phi-3's appends eos_token when no generation prompt follows) render a reply with those closing tokens only while
// it is last: in the history it ends before them. Anything else a template changes is still refused.

export type TrainingMessage = ChatMessage & { weight?: number };
export type ChatExample = { messages: TrainingMessage[]; tools?: unknown[] };
export type TokenizedExample = { tokens: number[]; lossMask: (0 | 1)[] };

function firstDifference(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

function describeMismatch(chat: ChatTokenizer, shorter: number[], longer: number[], what: string): string {
  const at = firstDifference(shorter, longer);
  const show = (ids: number[]) => JSON.stringify(chat.decode(ids.slice(Math.max(0, at - 8), at + 8)));
  return (
    `${chat.templateOrigin}: ${what} is not a token prefix of the longer rendering (they differ at token ${at}: ` +
    `${show(shorter)} vs ${show(longer)}). The chat template rewrites earlier turns (or the tokenizer merges across ` +
    "the turn boundary), so assistant-only loss masks cannot be computed by the prefix method; use a template that " +
    "renders each turn the same whatever follows it"
  );
}

/**
 * `encoded` maps a rendering to its ids; tokenizePreferenceDataset shares one between a pair's two sequences,
 * whose prompt renderings are the same text.
 */
export function tokenizeChat(chat: ChatTokenizer, example: ChatExample, encoded = new Map<string, number[]>()): TokenizedExample {
  // `weight` is OpenAI's training flag, not message content; templates must not see it.
  const messages: ChatMessage[] = example.messages.map(({ weight: _w, ...m }) => m);
  const tools = example.tools;
  // Each rendering is encoded once: the last reply's "through" rendering is the whole conversation, so a
  // single-turn example costs two encodings instead of three (encoding is most of tokenization's time).
  const rendered = new Map<string, string>();
  const encode = (upTo: number, addGenerationPrompt: boolean) => {
    const key = `${upTo}:${addGenerationPrompt}`;
    let text = rendered.get(key);
    if (text === undefined) rendered.set(key, (text = chat.render(messages.slice(0, upTo), { addGenerationPrompt, tools })));
    let ids = encoded.get(text);
    if (!ids) encoded.set(text, (ids = chat.encode(text)));
    return ids;
  };
  const tokens = encode(messages.length, false);
  // What the template writes after the last message only when no generation prompt follows (Phi-3: eos_token): the
  // whole conversation's tokens beyond those it shares with its rendering with a generation prompt. Asked only when a
  // reply's rendering did not fit; a template that refuses a generation prompt after a reply has none (the mismatch
  // is then reported as such).
  const closing = () => {
    try {
      return tokens.slice(firstDifference(tokens, encode(messages.length, true)));
    } catch {
      return [];
    }
  };
  const lossMask: (0 | 1)[] = new Array<0 | 1>(tokens.length).fill(0);
  example.messages.forEach((m, i) => {
    if (m.role !== "assistant") return;
    // A reply that calls tools is checked even where it is not trained: the conversation must show its calls.
    const calls = toolCallNames(m);
    if (m.weight === 0 && calls.length === 0) return;
    const before = encode(i, true);
    const through = encode(i + 1, false);
    if (!isPrefix(before, through)) {
      throw new Error(describeMismatch(chat, before, through, `rendering messages[0..${i - 1}] with add_generation_prompt=true`));
    }
    let end = through.length;
    if (!isPrefix(through, tokens)) {
      end = replyEndInHistory(chat, m, before, through, tokens) ?? replyEndBeforeClosing(chat, m, before, through, tokens, closing()) ?? -1;
      if (end < 0) throw new Error(describeMismatch(chat, through, tokens, `rendering messages[0..${i}]`));
    }
    if (calls.length) expectCallsRendered(chat, i, calls, tokens.slice(before.length, end));
    if (m.weight === 0) return;
    for (let k = Math.max(1, before.length); k < end; k++) lossMask[k] = 1;
  });
  return { tokens, lossMask };
}

/** The functions an assistant message calls (OpenAI's tool_calls), by name. */
function toolCallNames(m: TrainingMessage): string[] {
  const calls = m.tool_calls;
  if (!Array.isArray(calls)) return [];
  return calls.map((c) => (c as { function?: { name?: unknown } } | null)?.function?.name).filter((n): n is string => typeof n === "string" && n !== "");
}

/**
 * A reply's tool calls must be in its rendering. Templates that do not write tool_calls (Gemma 3's, plain ChatML)
 * render a call-only reply as an empty turn: it would be trained, or shown in context, as saying nothing. (LFM2's
 * template takes them in the content, where ChatTokenizer.render writes them: pythonic-calls.ts.)
 */
function expectCallsRendered(chat: ChatTokenizer, i: number, calls: string[], reply: number[]): void {
  const text = chat.decode(reply);
  const missing = calls.filter((name) => !text.includes(name));
  if (missing.length === 0) return;
  throw new Error(
    `${chat.templateOrigin}: messages[${i}] calls ${missing.map((n) => JSON.stringify(n)).join(", ")}, but the chat template ` +
      `renders that reply as ${JSON.stringify(text)}: it does not write tool_calls, so the call would be lost. Write the ` +
      "call into the message's content in the form the model was trained on, or use a chat template that renders tool_calls",
  );
}

function isPrefix(shorter: number[], longer: number[]): boolean {
  return shorter.length <= longer.length && firstDifference(shorter, longer) === shorter.length;
}

/**
 * Where reply `m` ends in the whole conversation's tokens, when a later turn made the template render it
 * differently from its rendering as the last reply (`through`): the longest tail of that reply which the
 * conversation continues with right after the generation prompt (`before`). Undefined when there is none, or
 * when the tail lost the reply's answer text (the template changed more than the reply's opening).
 */
function replyEndInHistory(chat: ChatTokenizer, m: TrainingMessage, before: number[], through: number[], tokens: number[]): number | undefined {
  if (!isPrefix(before, tokens)) return undefined;
  const start = before.length;
  const reply = through.slice(start);
  for (let cut = 1; cut < reply.length; cut++) {
    const tail = reply.slice(cut);
    if (firstDifference(tail, tokens.slice(start, start + tail.length)) !== tail.length) continue;
    // The answer (content after any thinking) must survive in the history's rendering; tool-call-only replies
    // have none, and their calls are in the tail.
    const answer = typeof m.content === "string" ? (m.content.split("</think>").pop() ?? "").trim() : "";
    return !answer || chat.decode(tail).includes(answer) ? start + tail.length : undefined;
  }
  return undefined;
}

/**
 * Where reply `m` ends in the whole conversation when its rendering as the last reply (`through`) ended with the
 * template's closing tokens (`closing`: what it writes after the last message when no generation prompt follows,
 * Phi-3's eos_token), which a later turn replaces. The rest of the reply must follow the generation prompt
 * (`before`) unchanged, answer included; undefined otherwise, or when the template has no closing tokens.
 */
function replyEndBeforeClosing(chat: ChatTokenizer, m: TrainingMessage, before: number[], through: number[], tokens: number[], closing: number[]): number | undefined {
  if (closing.length === 0 || !isPrefix(before, tokens)) return undefined;
  const start = before.length;
  const reply = through.slice(start);
  const k = closing.length;
  if (reply.length <= k || firstDifference(reply.slice(reply.length - k), closing) !== k) return undefined;
  const kept = reply.slice(0, reply.length - k);
  if (firstDifference(kept, tokens.slice(start, start + kept.length)) !== kept.length) return undefined;
  const answer = typeof m.content === "string" ? (m.content.split("</think>").pop() ?? "").trim() : "";
  return !answer || chat.decode(kept).includes(answer) ? start + kept.length : undefined;
}
