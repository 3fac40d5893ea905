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

// Datasets repeat short strings constantly (roles, one system prompt across 100k examples, stock replies);
// running BPE on them again is wasted work. Cache counts of short texts, per encoding, bounded: when
// full the cache starts over rather than tracking recency (cheap, and repeats refill it at once).
const CACHE_MAX_TEXT = 2_048;
const CACHE_MAX_ENTRIES = 20_000;
const caches = new Map<EncodingName, Map<string, number>>();

function cacheFor(name: EncodingName): Map<string, number> {
  let cache = caches.get(name);
  if (!cache) {
    cache = new Map();
    caches.set(name, cache);
  }
  return cache;
}

/**
 * Tokens of plain text. Training data is user text: a string like "<|endoftext|>" in it is ordinary text,
 * so no special token is allowed and none is rejected (the default would throw).
 */
export function countTextTokens(text: string, encoding: EncodingName): number {
  if (text.length === 0) return 0;
  if (text.length > CACHE_MAX_TEXT) return encoderFor(encoding).encode(text, [], []).length;
  const cache = cacheFor(encoding);
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const n = encoderFor(encoding).encode(text, [], []).length;
  if (cache.size >= CACHE_MAX_ENTRIES) cache.clear();
  cache.set(text, n);
  return n;
}
