// An eval run's statuses, in lifecycle order: a pure module the CLI can import without the database client.

export const EVAL_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type EvalStatusName = (typeof EVAL_STATUSES)[number];

export const isTerminalEvalStatus = (s: string) => s === "succeeded" || s === "failed" || s === "cancelled";
