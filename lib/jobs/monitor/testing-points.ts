import type { MetricPointView } from "../types";

// Builds metric points for the monitor's unit tests: only the fields a test names are set.
export function point(step: number, fields: Partial<MetricPointView> = {}): MetricPointView {
  return {
    step,
    trainLoss: null,
    trainAccuracy: null,
    validLoss: null,
    validAccuracy: null,
    fullValidLoss: null,
    fullValidAccuracy: null,
    rewardMargin: null,
    validRewardMargin: null,
    learningRate: null,
    tokensPerSecond: null,
    gradNorm: null,
    memoryBytes: null,
    totalSteps: null,
    epoch: null,
    at: new Date(Date.UTC(2026, 10, 29, 8, 0, 0) + step * 1000).toISOString(),
    ...fields,
  };
}
