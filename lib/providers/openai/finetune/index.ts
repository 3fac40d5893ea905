import type OpenAI from "openai";
import type { Artifact, CostEstimate, FineTuneConfig, FineTuneProvider, ValidationIssue } from "../../types";
import { cancelJob } from "./cancel";
import { createOrFindJob } from "./create";
import { classifyOpenAIError } from "./errors";
import { listCheckpoints, pollJob } from "./poll";
import { uploadFineTuneFile, waitForFile } from "./upload";

// OpenAI hosted fine-tuning as a FineTuneProvider, assembled from the step files in this folder.

export function validateOpenAIConfig(config: FineTuneConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const hp = config.hyperparameters ?? {};
  const intIn = (field: string, v: unknown, min: number, max: number) => {
    if (v === undefined || v === "auto") return;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) issues.push({ field, message: `must be "auto" or an integer from ${min} to ${max}` });
  };
  if (!config.model.trim()) issues.push({ field: "model", message: "is required" });
  if (!config.tuneforgeJobId) issues.push({ field: "tuneforgeJobId", message: "is required" });
  // Ranges from OpenAI's API spec.
  intIn("nEpochs", hp.nEpochs, 1, 50);
  intIn("batchSize", hp.batchSize, 1, 256);
  const lr = hp.learningRateMultiplier;
  if (lr !== undefined && lr !== "auto" && !(typeof lr === "number" && lr > 0)) issues.push({ field: "learningRateMultiplier", message: 'must be "auto" or greater than 0' });
  if (hp.beta !== undefined && config.method !== "dpo") issues.push({ field: "beta", message: "only applies to the dpo method" });
  if (hp.beta !== undefined && hp.beta !== "auto" && !(typeof hp.beta === "number" && hp.beta > 0 && hp.beta <= 2)) issues.push({ field: "beta", message: 'must be "auto" or in (0, 2]' });
  if (config.suffix != null && (config.suffix.length < 1 || config.suffix.length > 64)) issues.push({ field: "suffix", message: "must be 1 to 64 characters" });
  if (config.seed != null && !(Number.isInteger(config.seed) && config.seed >= 0 && config.seed <= 2147483647)) issues.push({ field: "seed", message: "must be an integer from 0 to 2147483647" });
  return issues;
}

/** Training cost = price per 1M tokens × billed tokens × epochs (validation tokens are free). */
export function estimateOpenAICost(input: { billedTokens: number; epochs: number; usdPerMillionTokens: number }): CostEstimate {
  return { billedTokens: input.billedTokens, epochs: input.epochs, usd: (input.usdPerMillionTokens * input.billedTokens * input.epochs) / 1_000_000 };
}

/** Once finished, trained_tokens already includes the epochs: this is the actual cost. */
export const actualOpenAICost = (trainedTokens: number, usdPerMillionTokens: number) => (trainedTokens * usdPerMillionTokens) / 1_000_000;

async function listArtifacts(client: OpenAI, remoteJobId: string): Promise<Artifact[]> {
  const job = await client.fineTuning.jobs.retrieve(remoteJobId);
  const out: Artifact[] = [];
  if (job.fine_tuned_model) out.push({ kind: "model", id: job.fine_tuned_model, name: job.fine_tuned_model });
  for (const c of await listCheckpoints(client, remoteJobId)) {
    if (c.model !== job.fine_tuned_model) out.push({ kind: "checkpoint", id: c.remoteId, name: c.model });
  }
  for (const f of job.result_files ?? []) out.push({ kind: "results", id: f, name: `results ${f}` });
  return out;
}

export const openAIProvider: FineTuneProvider<OpenAI> = {
  name: "openai",
  validateConfig: validateOpenAIConfig,
  estimateCost: estimateOpenAICost,
  uploadFile: uploadFineTuneFile,
  waitForFile,
  createJob: createOrFindJob,
  poll: pollJob,
  cancel: cancelJob,
  listArtifacts,
  classifyError: (err) => classifyOpenAIError(err),
};

export { cancelJob, classifyOpenAIError, createOrFindJob, pollJob, uploadFineTuneFile, waitForFile };
export { decodeResultsCsv, readResultsCsv, parseResultsCsv } from "./results";
