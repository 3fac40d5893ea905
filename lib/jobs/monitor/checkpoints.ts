import type { CheckpointView } from "../types";

// The checkpoint to recommend: the lowest validation loss (whole validation set first, then the sampled
// one); when no checkpoint has validation figures, the lowest training loss.

const VALID_KEYS = ["full_valid_loss", "valid_loss"] as const;
const TRAIN_KEYS = ["train_loss"] as const;

function metric(c: CheckpointView, keys: readonly string[]): number | null {
  for (const k of keys) {
    const v = c.metrics[k];
    if (typeof v === "number" && Number.isFinite(v)) return v;
  }
  return null;
}

export type BestCheckpoint = { id: string; by: "validation loss" | "training loss"; value: number };

export function bestCheckpoint(checkpoints: readonly CheckpointView[]): BestCheckpoint | null {
  for (const [keys, by] of [
    [VALID_KEYS, "validation loss"],
    [TRAIN_KEYS, "training loss"],
  ] as const) {
    let best: BestCheckpoint | null = null;
    for (const c of checkpoints) {
      const v = metric(c, keys);
      if (v !== null && (best === null || v < best.value)) best = { id: c.id, by, value: v };
    }
    if (best) return best;
  }
  return null;
}
