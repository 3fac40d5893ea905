import { Tiktoken } from "js-tiktoken/lite";
import cl100kBase from "js-tiktoken/ranks/cl100k_base";
import o200kBase from "js-tiktoken/ranks/o200k_base";

export type EncodingName = "o200k_base" | "cl100k_base";

const RANKS = { o200k_base: o200kBase, cl100k_base: cl100kBase } as const;

// Building an encoder parses a multi-megabyte rank table; do it once per process per encoding.
const encoders = new Map<EncodingName, Tiktoken>();

export function encoderFor(name: EncodingName): Tiktoken {
  let enc = encoders.get(name);
  if (!enc) {
    enc = new Tiktoken(RANKS[name]);
    encoders.set(name, enc);
  }
  return enc;
}

/**
 * Tokens of plain text. Training data is user text: a string like "<|endoftext|>" in it is ordinary text,
 * so no special token is allowed and none is rejected (the default would throw).
 */
export function countTextTokens(text: string, encoding: EncodingName): number {
  if (text.length === 0) return 0;
  return encoderFor(encoding).encode(text, [], []).length;
}
