// What the trainer takes of a tokenized sequence at max_seq_len, in one place for everyone who counts it: the
// trainer's own tokenization (dataset.ts, preference.ts), the launch check and the estimate panel
// (lib/models/split-tokens.ts). The native trainer keeps a sequence's first max_seq_len tokens and learns from
// the loss targets among them at positions ≥ 1 (position 0 has no token before it to be predicted from); a
// sequence with none is left out, and a preference pair only counts when both of its answers keep a target.

export type CutSide = {
  /** Tokens kept: min(length, maxSeqLen). */
  n: number;
  /** Loss targets among them (positions ≥ 1). */
  trained: number;
  /** Tokens cut off the end. */
  cut: number;
  /** Whether the whole sequence had any loss target (else no cut could have helped). */
  hadTargets: boolean;
};

export function cutSide(mask: ArrayLike<number>, length: number, maxSeqLen: number): CutSide {
  const n = Math.min(length, maxSeqLen);
  let trained = 0;
  for (let k = 1; k < n; k++) trained += mask[k] as number;
  let hadTargets = trained > 0;
  for (let k = n; !hadTargets && k < length; k++) hadTargets = mask[k] === 1;
  return { n, trained, cut: length - n, hadTargets };
}

/** Why a unit (one chat example's sequence, or a pair's two) is left out, or null when it is trained on. */
export function skipReason(sides: readonly CutSide[], maxSeqLen: number): string | null {
  const lost = sides.findIndex((s) => s.trained === 0);
  if (lost < 0) return null;
  if (sides.length === 2) return `its ${lost === 0 ? "preferred" : "non-preferred"} output starts beyond max_seq_len ${maxSeqLen}`;
  return sides[lost]!.hadTargets ? `all of its assistant tokens lie beyond max_seq_len ${maxSeqLen}` : "it has no assistant message with weight other than 0";
}
