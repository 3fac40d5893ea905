// ROUGE-L F-measure (Lin, 2004) with β = 1: the longest common subsequence of words rewards getting the content in
// the right order without demanding exact wording, the usual score for free-text answers. Tokens are lowercase runs
// of letters/digits, so punctuation and case do not count.

/** Lowercase word tokens (letters and digits, any script). */
export function wordTokens(s: string): string[] {
  return s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Length of the longest common subsequence of two token lists; two rows of typed arrays, O(n·m) time. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Int32Array(b.length + 1);
  let curr = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const ai = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      curr[j] = ai === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, curr[j - 1]!);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[b.length]!;
}

/** ROUGE-L F1 between output and expected: 2PR/(P+R) with P = LCS/|output|, R = LCS/|expected|. Two empty texts
 * score 1 (they agree); one empty text scores 0. */
export function rougeL(output: string, expected: string): number {
  const out = wordTokens(output);
  const ref = wordTokens(expected);
  if (out.length === 0 || ref.length === 0) return out.length === ref.length ? 1 : 0;
  const lcs = lcsLength(out, ref);
  if (lcs === 0) return 0;
  const p = lcs / out.length;
  const r = lcs / ref.length;
  return (2 * p * r) / (p + r);
}
