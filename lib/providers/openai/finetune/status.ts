import type OpenAI from "openai";
import type { Hyperparameter, JobStatus, RemoteJobState } from "../../types";

// OpenAI job object → our RemoteJobState. Status is read as a plain string: the API has statuses the SDK
// enum lacks (paused), and those must not crash a poll.

const STATUS_MAP: Record<string, JobStatus> = {
  validating_files: "validating_files",
  queued: "queued",
  running: "running",
  succeeded: "succeeded",
  failed: "failed",
  cancelled: "cancelled",
  paused: "running", // nearest of ours; remoteStatus keeps the real value for display
};

export function mapStatus(remote: string): JobStatus {
  return STATUS_MAP[remote] ?? "running";
}

export function toRemoteJobState(job: OpenAI.FineTuning.FineTuningJob): RemoteJobState {
  const remoteStatus = String(job.status);
  // On success `error` can be {}, all-null fields, or null: only a code means an error.
  const err = job.error as { code?: string | null; message?: string | null } | null;
  const hp = (job.hyperparameters ?? {}) as Record<string, Hyperparameter | null | undefined>;
  return {
    status: mapStatus(remoteStatus),
    remoteStatus,
    fineTunedModel: job.fine_tuned_model ?? null,
    trainedTokens: job.trained_tokens ?? null,
    error: err?.code ? { code: err.code, message: err.message ?? "" } : null,
    hyperparameters: Object.fromEntries(Object.entries(hp).map(([k, v]) => [k, v ?? null])),
    estimatedFinish: job.estimated_finish ? new Date(job.estimated_finish * 1000) : null,
    finishedAt: job.finished_at ? new Date(job.finished_at * 1000) : null,
    resultFileIds: job.result_files ?? [],
  };
}
