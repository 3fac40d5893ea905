import type { ChatMessage, ChatTokenizer } from "./chat-tokenizer";

// Assistant-only loss masks by the prefix method (reference/trainer.md): for each assistant message i,
// render messages[:i] with add_generation_prompt=true and messages[:i+1]; the extra tokens of the second
// are that reply (its content and the template's end-of-turn). If the first is not a token prefix of the
// second the template rewrites earlier turns, and any mask we produced would be wrong, so we refuse.

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
  const lossMask: (0 | 1)[] = new Array<0 | 1>(tokens.length).fill(0);
  example.messages.forEach((m, i) => {
    if (m.role !== "assistant" || m.weight === 0) return;
    const before = encode(i, true);
    const through = encode(i + 1, false);
    if (firstDifference(before, through) !== before.length) {
      throw new Error(describeMismatch(chat, before, through, `rendering messages[0..${i - 1}] with add_generation_prompt=true`));
    }
    if (firstDifference(through, tokens) !== through.length) {
      throw new Error(describeMismatch(chat, through, tokens, `rendering messages[0..${i}]`));
    }
    for (let k = Math.max(1, before.length); k < through.length; k++) lossMask[k] = 1;
  });
  return { tokens, lossMask };
}
