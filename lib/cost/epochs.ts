// The OpenAI cookbook's default-epoch heuristic (Chat_finetuning_data_prep.ipynb, reference §4), which the
// hosted service matches: 10 examples → 10 epochs, 100 → 3.
export const TARGET_EPOCHS = 3;
export const MIN_TARGET_EXAMPLES = 100;
export const MAX_TARGET_EXAMPLES = 25_000;
export const MIN_DEFAULT_EPOCHS = 1;
export const MAX_DEFAULT_EPOCHS = 25;

/** Epochs OpenAI picks when n_epochs is "auto". Python's `//` on positive ints is Math.floor. */
export function defaultEpochs(nExamples: number): number {
  if (!Number.isInteger(nExamples) || nExamples < 1) return TARGET_EPOCHS;
  if (nExamples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES) {
    return Math.min(MAX_DEFAULT_EPOCHS, Math.floor(MIN_TARGET_EXAMPLES / nExamples));
  }
  if (nExamples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES) {
    return Math.max(MIN_DEFAULT_EPOCHS, Math.floor(MAX_TARGET_EXAMPLES / nExamples));
  }
  return TARGET_EPOCHS;
}
