import type { StepReport } from "../../native/index";

// How `tuneforge train` shows steps: one JSON object per line for tools (--json), a redrawn bar on a
// terminal, and plain lines otherwise (logs, pipes).

export function jsonStepLine(r: StepReport): string {
  const o: Record<string, number> = { step: r.step, loss: r.loss, lr: r.lr, tokens_per_sec: Math.round(r.tokensPerSec * 10) / 10, elapsed_ms: Math.round(r.elapsedMs) };
  if (r.validLoss !== undefined) o.valid_loss = r.validLoss;
  o.total_steps = r.totalSteps;
  o.epoch = r.epoch;
  o.grad_norm = r.gradNorm;
  o.memory_bytes = r.memoryBytes;
  // DPO steps: TRL's rewards/accuracies and rewards/margins, for training and validation pairs.
  if (r.rewardAccuracy !== undefined) {
    o.reward_accuracy = r.rewardAccuracy;
    o.reward_margin = r.rewardMargin!;
  }
  if (r.validRewardAccuracy !== undefined) {
    o.valid_reward_accuracy = r.validRewardAccuracy;
    o.valid_reward_margin = r.validRewardMargin!;
  }
  return JSON.stringify({ ...o, ...(r.checkpointDir ? { checkpoint: r.checkpointDir } : {}), ...(r.profileMs ? { profile_ms: r.profileMs } : {}) });
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function textStepLine(r: StepReport, width = 24): string {
  const frac = r.totalSteps > 0 ? Math.min(1, r.step / r.totalSteps) : 0;
  const filled = Math.round(frac * width);
  const eta = r.step > 0 ? (r.elapsedMs / r.step) * (r.totalSteps - r.step) : 0;
  const valid = r.validLoss !== undefined ? ` valid ${r.validLoss.toFixed(4)}` : "";
  const rewards = r.rewardAccuracy !== undefined ? ` reward acc ${Math.round(r.rewardAccuracy * 100)}% margin ${r.rewardMargin!.toFixed(3)}` : "";
  return (
    `step ${String(r.step).padStart(String(r.totalSteps).length)}/${r.totalSteps} [${"#".repeat(filled)}${".".repeat(width - filled)}] ` +
    `loss ${r.loss.toFixed(4)}${valid}${rewards} lr ${r.lr.toExponential(2)} ${Math.round(r.tokensPerSec)} tok/s ` +
    `${duration(r.elapsedMs)} elapsed, ${duration(eta)} left`
  );
}
