import type OpenAI from "openai";
import type { FineTuneConfig, Hyperparameters, RemoteJobState } from "../../types";
import { toRemoteJobState } from "./status";

// Step 2 of a launch. The SDK sends no idempotency key, so a create whose response was lost (timeout,
// dropped connection) may still have created the job. Every job is tagged with our id in metadata and
// looked up by it first, so retrying this function never makes a second job.

export const TUNEFORGE_JOB_ID_KEY = "tuneforge_job_id";

export type CreateJobInput = FineTuneConfig & { trainingFileId: string; validationFileId?: string | null };

export async function createOrFindJob(
  client: OpenAI,
  input: CreateJobInput,
): Promise<{ remoteJobId: string; state: RemoteJobState; reused: boolean }> {
  const existing = await findJobByTuneforgeId(client, input.tuneforgeJobId);
  if (existing) return { remoteJobId: existing.id, state: toRemoteJobState(existing), reused: true };
  const job = await client.fineTuning.jobs.create(buildCreateParams(input));
  return { remoteJobId: job.id, state: toRemoteJobState(job), reused: false };
}

export async function findJobByTuneforgeId(client: OpenAI, tuneforgeJobId: string): Promise<OpenAI.FineTuning.FineTuningJob | null> {
  const page = await client.fineTuning.jobs.list({ metadata: { [TUNEFORGE_JOB_ID_KEY]: tuneforgeJobId }, limit: 10 });
  // Belt and braces: check the tag ourselves in case a server ignores the filter.
  return page.data.find((j) => j.metadata?.[TUNEFORGE_JOB_ID_KEY] === tuneforgeJobId) ?? null;
}

export function buildCreateParams(input: CreateJobInput): OpenAI.FineTuning.JobCreateParams {
  const hp = input.hyperparameters ?? {};
  const common = pick(hp);
  const method: OpenAI.FineTuning.JobCreateParams.Method =
    input.method === "dpo"
      ? { type: "dpo", dpo: { hyperparameters: { ...common, ...(hp.beta !== undefined ? { beta: hp.beta } : {}) } } }
      : { type: "supervised", supervised: { hyperparameters: common } };
  return {
    model: input.model,
    training_file: input.trainingFileId,
    ...(input.validationFileId ? { validation_file: input.validationFileId } : {}),
    ...(input.suffix ? { suffix: input.suffix } : {}),
    ...(input.seed !== undefined && input.seed !== null ? { seed: input.seed } : {}),
    metadata: { [TUNEFORGE_JOB_ID_KEY]: input.tuneforgeJobId },
    method,
  };
}

// Only the keys that were set: an absent key means "auto" on OpenAI's side too.
function pick(hp: Hyperparameters) {
  return {
    ...(hp.nEpochs !== undefined ? { n_epochs: hp.nEpochs } : {}),
    ...(hp.batchSize !== undefined ? { batch_size: hp.batchSize } : {}),
    ...(hp.learningRateMultiplier !== undefined ? { learning_rate_multiplier: hp.learningRateMultiplier } : {}),
  };
}
