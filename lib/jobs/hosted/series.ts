import type { CheckpointInput, MetricPointInput, ProviderEvent } from "../../providers/types";
import type { ResultsRow } from "../../providers/openai/finetune/results";
import type { CheckpointRow, JobEventRow, MetricPointRow } from "../events";

// Provider shapes → our rows. `epoch` is fractional (step / steps per epoch), known once OpenAI has
// resolved n_epochs and reports total steps.

export function epochAt(step: number, totalSteps: number | null, nEpochs: number | null): number | null {
  if (!totalSteps || !nEpochs || totalSteps <= 0 || nEpochs <= 0) return null;
  return Math.round((step / (totalSteps / nEpochs)) * 1e4) / 1e4;
}

export function metricRow(m: MetricPointInput, nEpochs: number | null): MetricPointRow {
  return {
    step: m.step,
    trainLoss: m.trainLoss,
    trainAccuracy: m.trainAccuracy,
    validLoss: m.validLoss,
    validAccuracy: m.validAccuracy,
    fullValidLoss: m.fullValidLoss,
    fullValidAccuracy: m.fullValidAccuracy,
    totalSteps: m.totalSteps,
    epoch: epochAt(m.step, m.totalSteps, nEpochs),
    createdAt: m.at,
  };
}

export function eventRow(e: ProviderEvent): JobEventRow {
  return { remoteId: e.remoteId, level: e.level, message: e.message, data: { type: e.type }, createdAt: e.at };
}

export function checkpointRow(c: CheckpointInput): CheckpointRow {
  return { step: c.step, remoteId: c.remoteId, modelName: c.model, metrics: c.metrics, createdAt: c.at };
}

/** Results CSV rows → metric points, for steps whose events were missed (OpenAI keeps a bounded event log). */
export function resultsMetricRows(rows: ResultsRow[], nEpochs: number | null): MetricPointRow[] {
  const totalSteps = rows.reduce((max, r) => Math.max(max, r.step ?? 0), 0) || null;
  return rows
    .filter((r): r is ResultsRow & { step: number } => typeof r.step === "number")
    .map((r) => ({
      step: r.step,
      trainLoss: r.train_loss ?? null,
      trainAccuracy: r.train_accuracy ?? r.train_mean_token_accuracy ?? null,
      validLoss: r.valid_loss ?? null,
      validAccuracy: r.valid_mean_token_accuracy ?? r.valid_accuracy ?? null,
      fullValidLoss: r.full_valid_loss ?? null,
      fullValidAccuracy: r.full_valid_mean_token_accuracy ?? null,
      totalSteps,
      epoch: epochAt(r.step, totalSteps, nEpochs),
    }));
}

export const numberOrNull = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
