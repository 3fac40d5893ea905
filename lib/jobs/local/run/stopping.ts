import type { TrainResult } from "../../../../native/index";

// How a run with early stopping or keepBest ended, in the words the job log and `tuneforge train` share: where it
// stopped and why, and which step's weights the adapter holds.

export type StoppingSettings = { earlyStoppingPatience?: number; earlyStoppingThreshold?: number; keepBest?: boolean };

const loss = (x: number) => x.toFixed(4);

/** Null when there is nothing to say: the run took all its steps and its adapter is the last step's, as asked. */
export function stoppingLine(result: TrainResult, s: StoppingSettings): string | null {
  if (result.cancelled) return null;
  const parts: string[] = [];
  const best = result.bestStep !== undefined && result.bestValidLoss !== undefined ? { step: result.bestStep, loss: result.bestValidLoss } : null;
  if (result.stoppedEarly) {
    const by = s.earlyStoppingThreshold ? ` by more than ${s.earlyStoppingThreshold}` : "";
    const passes = s.earlyStoppingPatience === 1 ? "1 validation pass" : `${s.earlyStoppingPatience} validation passes in a row`;
    parts.push(
      `Stopped early at step ${result.steps} of ${result.totalSteps}: the validation loss did not improve${by} for ${passes}` +
        (best ? ` (best ${loss(best.loss)} at step ${best.step}).` : "."),
    );
  }
  if (s.keepBest && best) {
    if (result.adapterStep === best.step)
      parts.push(best.step === result.steps ? `The last step had the lowest validation loss, ${loss(best.loss)}; the adapter is its.` : `The adapter is step ${best.step}'s, the lowest validation loss (${loss(best.loss)}), not the last step's.`);
    else
      parts.push(`The adapter is the last step's (${result.adapterStep}): step ${best.step}'s, the lowest validation loss, was not on disk after a resume.`);
  }
  return parts.length ? parts.join(" ") : null;
}

/**
 * Tokens the run trained: every epoch's, or, when it stopped early, the share of them its steps took (each step
 * takes the same number of micro-batches, but for an epoch's last; so this is close, not exact).
 */
export function trainedTokensOf(tokensPerEpoch: number, epochs: number, result: Pick<TrainResult, "stoppedEarly" | "steps" | "totalSteps">): number {
  const all = tokensPerEpoch * epochs;
  return result.stoppedEarly && result.totalSteps > 0 ? Math.round((all * result.steps) / result.totalSteps) : all;
}
