/**
 * What the checkpoint-log tests share (checkpoint-log.test.ts, resume.int.test.ts): a trainer_state.json
 * `log_history` entry as native/src/train/checkpoint.cc writes it; the figures vary by step so a wrong step shows.
 */
export const loggedStep = (step: number, extra: Record<string, number> = {}) => ({
  step,
  loss: 2 / step,
  learning_rate: 1e-4,
  grad_norm: 0.5 + step,
  tokens_per_second: 1000 * step,
  memory_bytes: 2 ** 33,
  ...extra,
});
