import type { LiveMessage } from "../live/channel";
import { isTerminalJobStatus, type JobView, type MetricPointView } from "../types";

// Folds one live message into the job view the page holds (the react-query cache). Messages can repeat
// what the page already has (history and live overlap on reconnect), so every merge is idempotent:
// points by step, events and checkpoints by id.

export function mergePoints(current: readonly MetricPointView[], incoming: readonly MetricPointView[]): MetricPointView[] {
  if (incoming.length === 0) return current as MetricPointView[];
  const lastStep = current.at(-1)?.step ?? -Infinity;
  const sorted = [...incoming].sort((a, b) => a.step - b.step);
  // Fast path (every live point): all new points come after the newest one we hold.
  if (sorted[0]!.step > lastStep) return dedupeSorted([...current, ...sorted]);
  const byStep = new Map(current.map((p) => [p.step, p]));
  for (const p of sorted) byStep.set(p.step, p);
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

function dedupeSorted(points: MetricPointView[]): MetricPointView[] {
  const out: MetricPointView[] = [];
  for (const p of points) {
    if (out.length && out.at(-1)!.step === p.step) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

function mergeById<T extends { id: string }>(current: readonly T[], incoming: readonly T[], order: (a: T, b: T) => number): T[] {
  if (incoming.length === 0) return current as T[];
  const byId = new Map(current.map((x) => [x.id, x]));
  for (const x of incoming) byId.set(x.id, x);
  return [...byId.values()].sort(order);
}

export function mergeLiveMessage(view: JobView, message: LiveMessage): JobView {
  switch (message.type) {
    case "metrics": {
      const metrics = mergePoints(view.metrics, message.points);
      if (metrics === view.metrics) return view;
      const last = metrics.at(-1)!;
      return { ...view, metrics, progress: { step: last.step, totalSteps: last.totalSteps } };
    }
    case "events":
      return { ...view, events: mergeById(view.events, message.events, (a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id)) };
    case "checkpoints":
      if (message.complete) return { ...view, checkpoints: [...message.checkpoints].sort((a, b) => a.step - b.step) };
      return { ...view, checkpoints: mergeById(view.checkpoints, message.checkpoints, (a, b) => a.step - b.step) };
    case "job": {
      // A terminal status is final: a summary taken earlier (e.g. the cancel request's "cancelling" answer
      // arriving after the stream already said "cancelled") must not bring the job back to life.
      if (isTerminalJobStatus(view.status) && !isTerminalJobStatus(message.job.status)) return view;
      // The summary's progress comes from the points we hold when they are newer than the sender's.
      const last = view.metrics.at(-1);
      const progress = last && (!message.job.progress || message.job.progress.step < last.step) ? { step: last.step, totalSteps: last.totalSteps } : message.job.progress;
      return { ...view, ...message.job, progress, metrics: view.metrics, events: view.events, checkpoints: view.checkpoints };
    }
  }
}
