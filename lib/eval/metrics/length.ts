// Length ratio: fine-tuning often changes verbosity before anything else; a ratio far from 1 explains many wins and
// losses at a glance. Characters are Unicode code points, so an emoji or a CJK character counts once.

/** Output length / expected length in code points; null when there is no (or an empty) expected answer. */
export function lengthRatio(output: string, expected: string | null): number | null {
  if (expected === null) return null;
  const exp = [...expected].length;
  return exp === 0 ? null : [...output].length / exp;
}
