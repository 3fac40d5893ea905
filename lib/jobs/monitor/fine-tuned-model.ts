import { isTerminalJobStatus } from "../types";

/**
 * What a hosted job's page says where its fine-tuned model name would be, while it has none: a running job will get
 * one when it succeeds; a job that ended did not, and should not promise it.
 */
export function missingModelText(status: string): string {
  if (status === "succeeded") return "The provider reported none for this job: check it on the provider's dashboard.";
  if (isTerminalJobStatus(status)) return `None: the job ${status === "failed" ? "failed" : "was cancelled"} before one was made.`;
  return "Appears here when the job succeeds.";
}
