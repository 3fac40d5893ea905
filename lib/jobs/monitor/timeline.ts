import type { JobEventView, JobStatusName, JobSummary } from "../types";

// The status timeline of the job page: queued → uploading → validating → running → terminal. The job row
// keeps created/started/finished times; the times of the steps in between come from the first event that
// names the status (`data.status`, as the worker records transitions), when there is one.

export type TimelineStep = { status: JobStatusName | "terminal"; label: string; at: string | null; state: "done" | "current" | "pending" | "skipped" };

const ORDER: JobStatusName[] = ["queued", "uploading", "validating_files", "running"];
const LABELS: Record<string, string> = { queued: "Queued", uploading: "Uploading", validating_files: "Validating", running: "Running" };

function firstEventAt(events: readonly JobEventView[], status: string): string | null {
  for (const e of events) {
    const d = e.data as { status?: unknown } | null;
    if (d && typeof d === "object" && d.status === status) return e.at;
  }
  return null;
}

export function statusTimeline(job: Pick<JobSummary, "status" | "createdAt" | "startedAt" | "finishedAt" | "attached">, events: readonly JobEventView[]): TimelineStep[] {
  const terminal = ["succeeded", "failed", "cancelled"].includes(job.status);
  const currentIndex = terminal ? ORDER.length : job.status === "cancelling" ? ORDER.length - 1 : ORDER.indexOf(job.status);
  const steps: TimelineStep[] = ORDER.map((status, i) => {
    const at = status === "queued" ? job.createdAt : status === "running" ? (job.startedAt ?? firstEventAt(events, status)) : firstEventAt(events, status);
    let state: TimelineStep["state"] = i < currentIndex ? "done" : i === currentIndex ? "current" : "pending";
    // An attached job was launched elsewhere: tuneforge never uploaded anything for it.
    if (job.attached && status === "uploading") state = "skipped";
    return { status, label: LABELS[status]!, at, state };
  });
  const endLabel = terminal ? job.status.charAt(0).toUpperCase() + job.status.slice(1) : job.status === "cancelling" ? "Cancelling" : "Finished";
  steps.push({ status: "terminal", label: endLabel, at: job.finishedAt, state: terminal ? "done" : job.status === "cancelling" ? "current" : "pending" });
  return steps;
}
