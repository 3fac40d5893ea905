import type { ChatMessage, ChatTokenizer } from "../tokenizer/chat-tokenizer";
import { tokenizeChat, type TrainingMessage } from "../tokenizer/masks";

// The token-level preview of one example: the conversation rendered with the model's chat template, cut into
// the model's own tokens, each with its id, its characters in the rendered text, whether the trainer learns
// from it (the assistant-only loss mask, lib/tokenizer/masks.ts, exactly what the trainer receives) and
// whether it lies beyond max_seq_len (the trainer truncates there). Tokens are numbered from 0.

export type PreviewToken = {
  index: number;
  id: number;
  /** The characters of the rendered text this token covers ("" for the later bytes of a split character). */
  text: string;
  /** [start, end) in `rendered`. Tokens that share one multi-byte character share its span. */
  start: number;
  end: number;
  /** A loss target: the model is trained to predict this token. */
  trained: boolean;
  /** At or beyond max_seq_len: cut off before training. */
  truncated: boolean;
  /** One of the tokenizer's added tokens (<|im_start|>, <|eot_id|>, …). */
  special: boolean;
};

export type TokenPreview = {
  rendered: string;
  templateOrigin: string;
  maxSeqLen: number;
  tokens: PreviewToken[];
  counts: { total: number; trained: number; masked: number; truncated: number; trainedKept: number };
};

export type PreviewMessage = { role: string; content?: unknown; weight?: number; [key: string]: unknown };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Templates expect string content: text parts are joined, a tool-call-only turn (null content) becomes "". */
export function templateMessages(messages: PreviewMessage[]): TrainingMessage[] {
  return messages.map((m) => {
    const c = m.content;
    const content = typeof c === "string" ? c : Array.isArray(c) ? c.map((p) => (isRecord(p) && typeof p.text === "string" ? p.text : "")).join("") : "";
    return { ...m, role: m.role, content } as TrainingMessage;
  });
}

/**
 * Character spans by decoding token by token and matching the rendered text. A byte-level BPE may split one
 * character over several tokens (each alone decodes to U+FFFD): those are decoded together and share the span.
 * Tokenizers whose decoder drops a leading space (SentencePiece's "▁") are matched past that whitespace.
 */
function characterSpans(chat: ChatTokenizer, rendered: string, ids: number[]): { start: number; end: number; first: boolean }[] {
  const spans: { start: number; end: number; first: boolean }[] = [];
  let pos = 0;
  let group: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    group.push(i);
    const piece = chat.decode(group.map((k) => ids[k] as number));
    const last = i === ids.length - 1;
    if (piece.endsWith("\uFFFD") && !last && group.length < 4) continue;
    const start = pos;
    let end: number;
    if (rendered.startsWith(piece, pos)) end = pos + piece.length;
    else {
      const trimmed = piece.trimStart();
      const at = trimmed ? rendered.indexOf(trimmed, pos) : -1;
      if (at >= 0 && rendered.slice(pos, at).trim() === "") end = at + trimmed.length;
      else end = pos; // unmatched (a decoder that rewrites text): keep the order, claim no characters
    }
    for (const [k, tokenIndex] of group.entries()) spans[tokenIndex] = { start, end, first: k === 0 };
    pos = end;
    group = [];
  }
  return spans;
}

export function previewExample(chat: ChatTokenizer, example: { messages: PreviewMessage[]; tools?: unknown[] }, maxSeqLen: number): TokenPreview {
  const messages = templateMessages(example.messages);
  const tools = example.tools && example.tools.length > 0 ? example.tools : undefined;
  const { tokens: ids, lossMask } = tokenizeChat(chat, { messages, tools });
  const rendered = chat.render(
    messages.map(({ weight: _w, ...m }) => m as ChatMessage),
    { addGenerationPrompt: false, tools },
  );
  const spans = characterSpans(chat, rendered, ids);
  const tokens: PreviewToken[] = ids.map((id, index) => {
    const span = spans[index] ?? { start: 0, end: 0, first: true };
    const text = span.first ? rendered.slice(span.start, span.end) : "";
    return { index, id, text, start: span.start, end: span.end, trained: lossMask[index] === 1, truncated: index >= maxSeqLen, special: chat.tokenId(text) === id && /^<[^\s<>]+>$/.test(text) };
  });
  const trained = tokens.filter((t) => t.trained).length;
  const truncated = tokens.filter((t) => t.truncated).length;
  const trainedKept = tokens.filter((t) => t.trained && !t.truncated).length;
  return { rendered, templateOrigin: chat.templateOrigin, maxSeqLen, tokens, counts: { total: tokens.length, trained, masked: tokens.length - trained, truncated, trainedKept } };
}
