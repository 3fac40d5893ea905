import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { baseModelName } from "../tokens/model-name";
import { ROI_DEFAULTS, roiFormFromParams, type RoiForm } from "./roi-form";

// What the Costs page's ROI calculator takes from a fine-tuning job (/costs?job=<id>, linked from the job page):
// the tokens that were billed for training and the model that was fine-tuned. A finished job reports its
// trained tokens; before that, the estimate made at launch (tokens per epoch × epochs) stands in.

export type RoiPrefill = {
  jobId: string;
  status: string;
  /** The model that was fine-tuned (an `ft:` base resolved to its own base). */
  baseModel: string;
  fineTunedModel: string | null;
  trainingTokens: number | null;
  /** "trained": the provider's count; "estimated": the launch estimate; null: neither is known yet. */
  tokensFrom: "trained" | "estimated" | null;
};

/** null when there is no job with that id. */
export async function roiPrefillForJob(opts: { jobId: string; db?: PrismaClient }): Promise<RoiPrefill | null> {
  const db = opts.db ?? prisma();
  const job = await db.fineTuneJob.findUnique({
    where: { id: opts.jobId },
    select: { id: true, status: true, baseModel: true, fineTunedModel: true, trainedTokens: true, estimatedTokensPerEpoch: true, estimatedEpochs: true },
  });
  if (!job) return null;
  const estimated = job.estimatedTokensPerEpoch !== null && job.estimatedEpochs !== null ? job.estimatedTokensPerEpoch * job.estimatedEpochs : null;
  const [trainingTokens, tokensFrom] =
    job.trainedTokens !== null ? [job.trainedTokens, "trained" as const] : estimated !== null ? [estimated, "estimated" as const] : [null, null];
  return {
    jobId: job.id,
    status: job.status,
    baseModel: baseModelName(job.baseModel),
    fineTunedModel: job.fineTunedModel,
    trainingTokens,
    tokensFrom,
  };
}

/**
 * The calculator's starting fields: the defaults, then the job's model (as both the base and the fine-tuned
 * model: the same model with and without fine-tuning) and training tokens, then whatever the URL says.
 */
export function initialRoiForm(params: Record<string, string | string[] | undefined>, prefill: RoiPrefill | null): RoiForm {
  const base: RoiForm = { ...ROI_DEFAULTS };
  if (prefill) {
    base.base = prefill.baseModel;
    base.ft = prefill.baseModel;
    if (prefill.trainingTokens !== null) base.training = String(prefill.trainingTokens);
  }
  return roiFormFromParams(params, base);
}
