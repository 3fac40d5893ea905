import { mulberry32 } from "../../lib/random/mulberry32";

// A seeded, realistic-looking SFT loss curve: exponential decay towards a floor with multiplicative noise,
// and token accuracy that rises as the loss falls. Same seed, same curve, so tests can assert on it.

/** The emulator's seeded PRNG (the project's mulberry32). */
export const prng = mulberry32;

export type StepMetrics = { train_loss: number; train_mean_token_accuracy: number; valid_loss: number; valid_mean_token_accuracy: number };

const round = (x: number) => Math.round(x * 1e5) / 1e5;

export function lossAt(rand: () => number, step: number, totalSteps: number): StepMetrics {
  const progress = step / totalSteps;
  const clean = 0.35 + 1.6 * Math.exp(-4.5 * progress);
  const train = clean * (1 + (rand() - 0.5) * 0.3);
  const valid = (clean + 0.08 * progress) * (1 + (rand() - 0.5) * 0.15); // a little overfitting late on
  const acc = (loss: number) => Math.min(0.99, Math.max(0, 1 - loss / 2.2));
  return {
    train_loss: round(train),
    train_mean_token_accuracy: round(acc(train)),
    valid_loss: round(valid),
    valid_mean_token_accuracy: round(acc(valid)),
  };
}
