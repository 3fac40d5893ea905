import { Notice } from "@/components/ui/Notice";
import { formatInt } from "@/components/ui/format";
import { bestCheckpoint } from "@/lib/jobs/monitor/checkpoints";
import { suggestedEpochs, type OverfittingAlert } from "@/lib/jobs/monitor/overfitting";
import type { CheckpointView } from "@/lib/jobs/types";

export function OverfittingNotice({ alert, checkpoints }: { alert: OverfittingAlert; checkpoints: readonly CheckpointView[] }) {
  const best = bestCheckpoint(checkpoints);
  const bestStep = best ? checkpoints.find((c) => c.id === best.id)?.step : undefined;
  const epochs = suggestedEpochs(alert);
  return (
    <Notice tone="warn" title="Possible overfitting">
      <p data-testid="overfitting-alert" data-start-step={alert.startStep}>
        Validation loss has been rising since step {formatInt(alert.startStep)}
        {alert.startEpoch !== null ? ` (epoch ${alert.startEpoch.toFixed(1)})` : ""} — from {alert.validLossAtStart.toFixed(3)} to{" "}
        {alert.validLossNow.toFixed(3)}, smoothed — while training loss kept falling ({alert.trainLossAtStart.toFixed(3)} →{" "}
        {alert.trainLossAtDetection.toFixed(3)}). The model is starting to memorise its training examples.
      </p>
      <p>
        {bestStep !== undefined ? `Use the best checkpoint (step ${formatInt(bestStep)}, lowest ${best!.by}) ` : "Use an earlier checkpoint "}
        {epochs !== null ? `or train again with fewer epochs (n_epochs = ${epochs}).` : "or train again with fewer epochs."}
      </p>
    </Notice>
  );
}
