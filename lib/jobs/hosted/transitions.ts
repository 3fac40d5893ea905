import { recordJobEvent } from "../events";
import type { StepContext } from "./context";

// Our own event for each status change, carrying `data.status`: the job page's status timeline reads the
// time of each phase (uploading, validating, running…) from these, since the job row keeps only start and end.

const LABELS: Record<string, string> = {
  uploading: "Uploading the training data to OpenAI",
  validating_files: "OpenAI is validating the files",
  queued: "Queued at OpenAI",
  running: "Training started",
  cancelling: "Cancelling",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
};

export async function recordStatusChange(ctx: Pick<StepContext, "db" | "pub">, jobId: string, from: string, to: string): Promise<void> {
  if (from === to) return;
  await recordJobEvent(ctx.db, ctx.pub, jobId, { level: "info", message: `${LABELS[to] ?? to} (status ${from} → ${to})`, data: { status: to, from } });
}
