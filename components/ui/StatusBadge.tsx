import { Badge, type Tone } from "./Badge";

// Job and evaluation states. Unknown values (providers add states, e.g. OpenAI's "paused") get a neutral badge.
const TONES: Record<string, Tone> = {
  queued: "neutral",
  preparing: "info", // a local job a GPU worker has taken (lib/jobs/types.ts shownJobStatus)
  uploading: "info",
  validating_files: "info",
  running: "info",
  cancelling: "warn",
  succeeded: "ok",
  failed: "danger",
  cancelled: "neutral",
};

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={TONES[status] ?? "neutral"}>{status.replace(/_/g, " ")}</Badge>;
}
