import { normalizedTokens } from "./normalize";

// SQuAD's token F1: overlap of the normalised bags of words, order ignored. Partial credit where exact and
// normalised match give none ("Paris, France" vs "Paris").

/** SQuAD token F1 over normalised tokens. Both empty → 1; exactly one empty → 0 (as SQuAD's compute_f1). */
export function tokenF1(output: string, expected: string): number {
  const pred = normalizedTokens(output);
  const gold = normalizedTokens(expected);
  if (pred.length === 0 || gold.length === 0) return pred.length === gold.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of gold) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of pred) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      same++;
      counts.set(t, c - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / pred.length;
  const recall = same / gold.length;
  return (2 * precision * recall) / (precision + recall);
}
