import type { Tokenizer } from "@huggingface/tokenizers";

// @huggingface/tokenizers' byte-level pre-tokenizer (GPT-2, Llama 3, Qwen, SmolLM) maps every pre-token to its
// byte characters with a TextEncoder, an Array.from and a join per word: about half of encode's time. This gives
// the same strings from a per-character table for ASCII words and a memo of words already seen (chat data repeats
// its words). Only the library version whose method this replaces is touched: its source is checked first, and
// a tokenizer of any other shape is left as it is. lib/tokenizer/byte-level-fast.test.ts holds the ids equal.

/**
 * The pre-token mapping of the version this was written against (0.2.x), recognised by its source: by the
 * property names, which a minifier (Next's server bundle) keeps, not by local or class names, which it may not.
 */
const EXPECTED_SOURCE = /text_encoder\.encode\(\w+\)[\s\S]*byte_encoder\[\w+\][\s\S]*\.join\(""\)/;
/** Words remembered per pre-tokenizer; the memo starts over when full. */
const MEMO_LIMIT = 50_000;

type ByteLevelLike = {
  // Read for their truth, as the library does (a tokenizer.json may leave add_prefix_space out).
  add_prefix_space?: boolean;
  use_regex?: boolean;
  pattern: RegExp;
  byte_encoder: Record<number, string>;
  pre_tokenize_text(text: string, options?: unknown): string[];
};

function isByteLevel(x: unknown): x is ByteLevelLike {
  const p = x as Partial<ByteLevelLike> | null;
  return (
    !!p &&
    typeof p.pre_tokenize_text === "function" &&
    EXPECTED_SOURCE.test(p.pre_tokenize_text.toString()) &&
    p.pattern instanceof RegExp &&
    typeof p.byte_encoder === "object" &&
    p.byte_encoder !== null
  );
}

function speedUp(bl: ByteLevelLike): void {
  const encoder = bl.byte_encoder;
  const ascii = Array.from({ length: 128 }, (_, b) => encoder[b]!);
  const utf8 = new TextEncoder();
  let memo = new Map<string, string>();
  const bytesOf = (token: string): string => {
    let out = memo.get(token);
    if (out !== undefined) return out;
    out = "";
    for (let i = 0; i < token.length; i++) {
      const c = token.charCodeAt(i);
      if (c >= 128) {
        out = Array.from(utf8.encode(token), (byte) => encoder[byte]!).join("");
        break;
      }
      out += ascii[c];
    }
    if (memo.size >= MEMO_LIMIT) memo = new Map();
    memo.set(token, out);
    return out;
  };
  // The library's own steps, in its order: the prefix space, the regex split, then each piece's bytes.
  bl.pre_tokenize_text = function (this: ByteLevelLike, text: string): string[] {
    if (this.add_prefix_space && !text.startsWith(" ")) text = " " + text;
    const tokens = this.use_regex ? text.match(this.pattern) || [] : [text];
    return tokens.map(bytesOf);
  };
}

/** Replaces the byte-level pre-tokenizers of `tokenizer` (alone or in a sequence); returns how many. */
export function speedUpByteLevel(tokenizer: Tokenizer): number {
  const pre = (tokenizer as unknown as { pre_tokenizer?: { tokenizers?: unknown[] } | null }).pre_tokenizer;
  const candidates = pre && Array.isArray(pre.tokenizers) ? pre.tokenizers : [pre];
  let n = 0;
  for (const c of candidates) {
    if (!isByteLevel(c)) continue;
    speedUp(c);
    n++;
  }
  return n;
}
