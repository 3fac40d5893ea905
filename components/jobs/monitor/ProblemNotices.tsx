import Link from "next/link";
import { Notice } from "@/components/ui/Notice";
import type { JobSummary } from "@/lib/jobs/types";
import { isTerminalJobStatus } from "@/lib/jobs/types";
import { providerWordsOf } from "@/lib/providers/openai/wind-down";

// What went wrong, in plain words: the provider's message verbatim, plus what to do for the one error that
// needs explaining (OpenAI's fine-tuning wind-down), and the worker's retry note while it retries.

export function ProblemNotices({ job }: { job: JobSummary }) {
  return (
    <>
      {job.retryMessage && !isTerminalJobStatus(job.status) ? (
        <Notice tone="warn" title="Retrying">
          <span data-testid="retry-message">{job.retryMessage}</span>
        </Notice>
      ) : null}
      {job.errorCode === "training_not_available" ? (
        <Notice tone="danger" title="OpenAI no longer accepts this fine-tuning job">
          <p>
            OpenAI said: <q data-testid="error-message">{job.errorMessage ? providerWordsOf(job.errorMessage) : "training_not_available"}</q>
          </p>
          <p>
            OpenAI is winding down self-serve fine-tuning: it takes no new jobs after <strong>2027-01-06</strong>, and
            accounts without access get this refusal now. Your datasets, versions and evaluations stay here. Train the
            same dataset version locally with the native QLoRA trainer instead — put a model folder on the{" "}
            <Link href="/models">Models page</Link>, then start a <Link href="/jobs/new">new local job</Link>.
          </p>
        </Notice>
      ) : job.errorMessage || job.errorCode ? (
        <Notice tone="danger" title={job.status === "cancelled" ? "The job was cancelled" : "The job failed"}>
          <p data-testid="error-message">{job.errorMessage ?? "The provider gave no message."}</p>
          {job.errorCode ? <p className="muted">Error code: <code>{job.errorCode}</code></p> : null}
        </Notice>
      ) : null}
    </>
  );
}
