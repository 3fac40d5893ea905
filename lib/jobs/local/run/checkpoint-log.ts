import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { StepReport } from "../../../../native/index";

// The step log a checkpoint carries (native/src/train/checkpoint.h LoggedStep): trainer_state.json's `log_history`,
// every step up to the checkpoint's own. A worker killed while its stored curve lags behind the trainer (fast
// steps, slower metric writes) leaves checkpoints past that curve; their log holds the missing steps, so the job
// resumes from the newest checkpoint and restores them instead of starting over.

const loggedStep = z.object({
  step: z.number().int().positive(),
  loss: z.number(),
  learning_rate: z.number(),
  grad_norm: z.number(),
  tokens_per_second: z.number(),
  memory_bytes: z.number(),
  eval_loss: z.number().nullable().optional(), // null: not a number (the trainer leaves a NaN out)
  // DPO runs, under TRL's keys.
  "rewards/accuracies": z.number().optional(),
  "rewards/margins": z.number().optional(),
  "eval_rewards/accuracies": z.number().optional(),
  "eval_rewards/margins": z.number().optional(),
});
const trainerState = z.object({ total_steps: z.number().int().nonnegative(), log_history: z.array(loggedStep).optional() });

/** What a step report carries that the stored curve keeps. */
export type LoggedReport = Pick<
  StepReport,
  "step" | "totalSteps" | "loss" | "lr" | "gradNorm" | "tokensPerSec" | "memoryBytes" | "validLoss" | "rewardAccuracy" | "rewardMargin" | "validRewardAccuracy" | "validRewardMargin"
>;

/**
 * The checkpoint's logged steps after `after` up to its own step, as step reports, when the log has every one of
 * them; null when it has not (a checkpoint written before the log existed, or one that is damaged).
 */
export function loggedStepsSince(dir: string, checkpointStep: number, after: number): LoggedReport[] | null {
  let parsed: z.infer<typeof trainerState>;
  try {
    parsed = trainerState.parse(JSON.parse(fs.readFileSync(path.join(dir, "trainer_state.json"), "utf8")));
  } catch {
    return null;
  }
  const byStep = new Map((parsed.log_history ?? []).map((l) => [l.step, l]));
  const out: LoggedReport[] = [];
  for (let step = after + 1; step <= checkpointStep; step++) {
    const l = byStep.get(step);
    if (!l) return null;
    out.push({
      step,
      totalSteps: parsed.total_steps,
      loss: l.loss,
      lr: l.learning_rate,
      gradNorm: l.grad_norm,
      tokensPerSec: l.tokens_per_second,
      memoryBytes: l.memory_bytes,
      ...(typeof l.eval_loss === "number" ? { validLoss: l.eval_loss } : {}),
      ...(l["rewards/accuracies"] !== undefined ? { rewardAccuracy: l["rewards/accuracies"], rewardMargin: l["rewards/margins"] } : {}),
      ...(l["eval_rewards/accuracies"] !== undefined ? { validRewardAccuracy: l["eval_rewards/accuracies"], validRewardMargin: l["eval_rewards/margins"] } : {}),
    });
  }
  return out;
}
