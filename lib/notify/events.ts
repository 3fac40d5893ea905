// The endings a webhook can be told of (a module of its own: the queue contracts import it).
export const WEBHOOK_EVENTS = ["job.succeeded", "job.failed", "job.cancelled"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const eventOfStatus = (status: string): WebhookEvent | null =>
  status === "succeeded" ? "job.succeeded" : status === "failed" ? "job.failed" : status === "cancelled" ? "job.cancelled" : null;
