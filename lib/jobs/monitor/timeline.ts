import { isPreparingLocalJob, type JobEventView, type JobStatusName, type JobSummary } from "../types";

// The status timeline of the job page. A hosted job goes queued → uploading → validating → running → terminal;
// a local one uploads nothing: queued → preparing (a GPU worker took it and loads the model and tokenizes the
// data; the row still says "queued") → running → terminal. The job row keeps created/started/finished times;
// the times of the steps in between come from the first event that names the status (`data.status`, as the
// hosted worker records transitions) or the phase (`data.phase`, as the local run records "preparing").

export type TimelineStep = { status: JobStatusName | "preparing" | "terminal"; label: string; at: string | null; state: "done" | "current" | "pending" | "skipped" };

const HOSTED: (JobStatusName | "preparing")[] = ["queued", "uploading", "validating_files", "running"];
const LOCAL: (JobStatusName | "preparing")[] = ["queued", "preparing", "running"];
const LABELS: Record<string, string> = { queued: "Queued", uploading: "Uploading", validating_files: "Validating", preparing: "Preparing", running: "Running" };

function firstEventAt(events: readonly JobEventView[], key: "status" | "phase", value: string): string | null {
  for (const e of events) {
    const d = e.data as Record<string, unknown> | null;
    if (d && typeof d === "object" && d[key] === value) return e.at;
  }
  return null;
}

type TimelineJob = Pick<JobSummary, "status" | "provider" | "workerId" | "createdAt" | "startedAt" | "finishedAt" | "attached"> & Partial<Pick<JobSummary, "queuePosition">>;

/** Where a job stands in its timeline's order: a queued local job that a worker has taken is preparing. */
function currentStep(job: TimelineJob, order: readonly string[]): number {
  if (["succeeded", "failed", "cancelled"].includes(job.status)) return order.length;
  if (job.status === "cancelling") return order.length - 1;
  if (isPreparingLocalJob(job)) return order.indexOf("preparing");
  return order.indexOf(job.status);
}

export function statusTimeline(job: TimelineJob, events: readonly JobEventView[]): TimelineStep[] {
  const terminal = ["succeeded", "failed", "cancelled"].includes(job.status);
  const order = job.provider === "local" ? LOCAL : HOSTED;
  const currentIndex = currentStep(job, order);
  const steps: TimelineStep[] = order.map((status, i) => {
    const at =
      status === "queued"
        ? job.createdAt
        : status === "running"
          ? (job.startedAt ?? firstEventAt(events, "status", status))
          : status === "preparing"
            ? firstEventAt(events, "phase", status)
            : firstEventAt(events, "status", status);
    let state: TimelineStep["state"] = i < currentIndex ? "done" : i === currentIndex ? "current" : "pending";
    // An attached job was launched elsewhere: tuneforge never uploaded anything for it.
    if (job.attached && status === "uploading") state = "skipped";
    return { status, label: LABELS[status]!, at, state };
  });
  const endLabel = terminal ? job.status.charAt(0).toUpperCase() + job.status.slice(1) : job.status === "cancelling" ? "Cancelling" : "Finished";
  steps.push({ status: "terminal", label: endLabel, at: job.finishedAt, state: terminal ? "done" : job.status === "cancelling" ? "current" : "pending" });
  return steps;
}
