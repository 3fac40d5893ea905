// Token overlap, the emulator's only notion of "similar": lowercase word tokens, F1 of the two multisets.
// Deterministic and cheap, which is all a stand-in model needs: a fine-tune that answers with its nearest
// training example, and a judge that prefers the response closer to the reference.

export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export function overlapF1(a: string, b: string): number {
  const x = words(a);
  const y = words(b);
  if (x.length === 0 || y.length === 0) return x.length === y.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const w of y) counts.set(w, (counts.get(w) ?? 0) + 1);
  let common = 0;
  for (const w of x) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      common += 1;
      counts.set(w, c - 1);
    }
  }
  if (common === 0) return 0;
  const p = common / x.length;
  const r = common / y.length;
  return (2 * p * r) / (p + r);
}

/** The emulator's token count: about four characters a token, as its training-file check counts. */
export function tokenCount(text: string): number {
  return Math.ceil(text.length / 4);
}
