// The settings a sweep can vary (lib/jobs/launch/sweep.ts; the local launch form's "Sweep"): numbers of the local
// config, by the launch form's field names, with the section of the config each lives in. Kept apart from
// sweep.ts, which reaches the database and the models directory, so the browser's form can import it.

export const SWEEP_FIELDS = {
  lr: { group: "training", label: "Learning rate", example: "1e-4, 2e-4, 5e-4" },
  rank: { group: "lora", label: "Rank (r)", example: "8, 16, 32" },
  alpha: { group: "lora", label: "Alpha", example: "16, 32, 64" },
  dropout: { group: "lora", label: "Dropout", example: "0, 0.05, 0.1" },
  epochs: { group: "training", label: "Epochs", example: "1, 2, 3" },
  batchSize: { group: "training", label: "Micro-batch", example: "2, 4, 8" },
  gradAccum: { group: "training", label: "Gradient accumulation", example: "1, 4, 8" },
  warmupRatio: { group: "training", label: "Warmup ratio", example: "0, 0.03, 0.1" },
  weightDecay: { group: "training", label: "Weight decay", example: "0, 0.01, 0.1" },
  maxSeqLen: { group: "training", label: "Max sequence length", example: "512, 1024, 2048" },
  dpoBeta: { group: "training", label: "DPO beta", example: "0.05, 0.1, 0.3" },
  seed: { group: "training", label: "Seed", example: "0, 1, 2" },
} as const;
export type SweepField = keyof typeof SWEEP_FIELDS;
export const SWEEP_FIELD_NAMES = Object.keys(SWEEP_FIELDS) as [SweepField, ...SweepField[]];

/** A sweep's jobs are as many as its values: each takes a GPU worker for a whole run (and /jobs/compare shows 8). */
export const MAX_SWEEP_VALUES = 8;

/** What is wrong with a sweep's values, or null: the one rule for the server's schema, the form and the CLI. */
export function sweepValuesProblem(values: readonly number[]): string | null {
  if (values.length < 2) return "a sweep needs at least 2 values";
  if (values.length > MAX_SWEEP_VALUES) return `at most ${MAX_SWEEP_VALUES} values: each one is a job`;
  if (new Set(values).size !== values.length) return "each value once: two jobs with the same settings compare nothing";
  return null;
}

/** The values as typed ("1e-4, 2e-4 5e-4"): numbers, or the first piece that is not one. */
export function parseSweepValues(text: string): { values: number[]; error: string | null } {
  const pieces = text.split(/[\s,;]+/).filter(Boolean);
  const values: number[] = [];
  for (const p of pieces) {
    const n = Number(p);
    if (!Number.isFinite(n)) return { values, error: `"${p}" is not a number` };
    values.push(n);
  }
  return { values, error: sweepValuesProblem(values) };
}
