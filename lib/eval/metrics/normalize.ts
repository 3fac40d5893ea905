// SQuAD's answer normalisation (lowercase, no punctuation, no articles, single spaces): the standard way to say
// "the same answer, written differently" ("The Eiffel Tower." = "eiffel tower"). tokenF1 uses the same tokens.

const PUNCTUATION = /[\p{P}\p{S}]/gu; // SQuAD strips ASCII punctuation; Unicode classes also catch “smart quotes”, ¿ and …
const ARTICLES = /\b(a|an|the)\b/g;

/** SQuAD-style normalisation: lowercase, strip punctuation, drop the articles a/an/the, collapse whitespace. */
export function normalizeAnswer(s: string): string {
  return s.toLowerCase().replace(PUNCTUATION, "").replace(ARTICLES, " ").split(/\s+/).filter(Boolean).join(" ");
}

/** The normalised tokens (SQuAD's get_tokens). */
export function normalizedTokens(s: string): string[] {
  const n = normalizeAnswer(s);
  return n === "" ? [] : n.split(" ");
}

/** 1 when both sides are equal after normalizeAnswer, else 0. */
export function normalizedMatch(output: string, expected: string): number {
  return normalizeAnswer(output) === normalizeAnswer(expected) ? 1 : 0;
}
