import type { EvalSummary, QualityMetric } from "./types";

// An evaluation's figures in words, the same wherever they are shown: the run page (components/eval/run/words.ts
// re-exports these), the compare page's evaluation rows and webhook messages.

export const METRIC_LABELS: Record<QualityMetric, string> = {
  exactMatch: "Exact match",
  normalizedMatch: "Normalized match",
  jsonValid: "Valid JSON",
  schemaValid: "Schema valid",
  toolCallMatch: "Tool calls match",
  toolNameMatch: "Right tools called",
  rougeL: "ROUGE-L",
  tokenF1: "Token F1",
};

export const percent = (x: number, digits = 1) => `${(x * 100).toFixed(digits)} %`;
export const signedPoints = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)} pts`;

/** "58.0 % (95 % CI 51.2–64.5 %)" */
export function winRateText(w: NonNullable<EvalSummary["winRate"]>): string {
  return `${percent(w.candidate)} (95 % CI ${(w.ci[0] * 100).toFixed(1)}–${percent(w.ci[1])})`;
}
