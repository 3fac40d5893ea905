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

/** What a job's empty checkpoints table says: when the provider saves them and how many it keeps. */
export function noCheckpointsText(provider: "openai" | "local", checkpointEvery: number): string {
  if (provider === "openai") return "No checkpoints yet. OpenAI saves one per epoch and keeps the last three.";
  // The native trainer: every `checkpointEvery` steps and at each epoch's end, the newest three kept (kCheckpointsKept).
  const when = checkpointEvery > 0 ? `every ${checkpointEvery} steps and at each epoch's end` : "at each epoch's end";
  return `No checkpoints yet. The trainer saves one ${when}, keeping the newest three.`;
}

/**
 * A checkpoint's name in the table: OpenAI's model name (what inference runs against), or a local checkpoint's folder
 * name ("step-60"), whose whole path under the data directory goes in the title: the path broke across three lines.
 */
export function checkpointLabel(c: CheckpointView): { text: string; title?: string } {
  if (c.modelName) return { text: c.modelName };
  if (c.path) return { text: c.path.split("/").filter(Boolean).at(-1) ?? c.path, title: c.path };
  return { text: c.remoteId ?? "—" };
}
