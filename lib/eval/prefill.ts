import type { JobSummary } from "../jobs/types";
import type { CreateEvalRequest } from "./types";

// "Evaluate this job": what the new-evaluation form starts with for a finished job. The candidate is the job's
// own result and the baseline the model it started from, served the same way (a hosted job's base on OpenAI, a
// local job's base folder on the trainer), so the comparison isolates what fine-tuning changed. The held-out
// split is the validation split of the very version the job trained on: the one slice of that data it never saw.

export type JobForPrefill = Pick<JobSummary, "id" | "provider" | "baseModel" | "status"> & {
  dataset: Pick<NonNullable<JobSummary["dataset"]>, "versionId" | "validationCount"> | null;
};

export type EvalPrefill = Required<Pick<CreateEvalRequest, "candidate" | "baseline" | "split" | "jobId">> & {
  datasetVersionId: string | null;
  /** Why the form cannot be used as prefilled (shown above it); null when it can. */
  problem: string | null;
};

export function prefillFromJob(job: JobForPrefill): EvalPrefill {
  const baseline = job.provider === "local" ? `local:${job.baseModel}` : `openai:${job.baseModel}`;
  const problem =
    job.status !== "succeeded"
      ? `Job ${job.id} is ${job.status}: only a succeeded job has a model to evaluate.`
      : !job.dataset
        ? `Job ${job.id} has no dataset version on record: pick the held-out data yourself.`
        : job.dataset.validationCount === 0
          ? `The version job ${job.id} trained on has no validation examples: every example was seen in training. Pick another version, or the train split knowing the scores will flatter the model.`
          : null;
  return { candidate: `job:${job.id}`, baseline, split: "validation", jobId: job.id, datasetVersionId: job.dataset?.versionId ?? null, problem };
}
