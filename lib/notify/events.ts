// The endings a webhook can be told of (a module of its own: the queue contracts and the Settings card import it).
export const JOB_EVENTS = ["job.succeeded", "job.failed", "job.cancelled"] as const;
export const EVAL_EVENTS = ["eval.succeeded", "eval.failed", "eval.cancelled"] as const;
export const WEBHOOK_EVENTS = [...JOB_EVENTS, ...EVAL_EVENTS] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** What ended: a fine-tuning job or an evaluation run. */
export type EndedKind = "job" | "eval";

export function eventOf(kind: EndedKind, status: string): WebhookEvent | null {
  if (status !== "succeeded" && status !== "failed" && status !== "cancelled") return null;
  return `${kind}.${status}`;
}

export const kindOfEvent = (event: WebhookEvent): EndedKind => (event.startsWith("eval.") ? "eval" : "job");
