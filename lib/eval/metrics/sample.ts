import { answerOf } from "../../reasoning";
import type { SampleMetrics } from "../types";
import { exactMatch } from "./exact";
import { tokenF1 } from "./f1";
import { jsonValid } from "./json";
import { lengthRatio } from "./length";
import { normalizedMatch } from "./normalize";
import { rougeL } from "./rouge";
import { schemaValid } from "./schema";
import { callScores, parseCalls } from "../tool-calls";

export type SampleMetricsInput = {
  output: string;
  expected: string | null;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number | null;
  schema?: Record<string, unknown> | null;
  /** The sample offered tools: the call metrics apply (they also do when the expected reply makes calls). */
  tools?: boolean;
};

/** Every metric of one side of one sample. Without an expected answer the reference metrics are 0 (nothing to
 * match) and lengthRatio is null; jsonValid and schemaValid need no reference. The call metrics (toolCallMatch,
 * toolNameMatch) are there when the sample offered tools or its expected reply calls one. A reasoning model's thinking
 * (a leading think block, lib/eval/reasoning.ts) is not part of its answer: the metrics read what follows it. */
export function sampleMetrics(input: SampleMetricsInput): SampleMetrics {
  const { expected } = input;
  const output = answerOf(input.output);
  const metrics: SampleMetrics = {
    exactMatch: expected === null ? 0 : exactMatch(output, expected),
    normalizedMatch: expected === null ? 0 : normalizedMatch(output, expected),
    jsonValid: jsonValid(output),
    rougeL: expected === null ? 0 : rougeL(output, expected),
    tokenF1: expected === null ? 0 : tokenF1(output, expected),
    lengthRatio: lengthRatio(output, expected),
    latencyMs: input.latencyMs,
    promptTokens: input.promptTokens,
    completionTokens: input.completionTokens,
    costUsd: input.costUsd,
  };
  if (input.schema) metrics.schemaValid = schemaValid(output, input.schema);
  // The expected calls are read once: they decide whether the call metrics apply and are what they compare against.
  const expectedCalls = expected === null ? [] : parseCalls(expected);
  if (input.tools || expectedCalls.length > 0) Object.assign(metrics, callScores(parseCalls(output), expectedCalls));
  return metrics;
}
