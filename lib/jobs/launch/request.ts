import { z } from "zod";

// What a launch asks for (POST /api/jobs, POST /api/jobs/estimate, the launch form, `tuneforge jobs create`).
// Zod checks only the shape here; the ranges are OpenAI's and live in validateOpenAIConfig, so the API, the
// form and the worker all enforce the same ones (see ./check.ts).

const hyperparameter = z.union([z.literal("auto"), z.number({ error: 'must be "auto" or a number' })], {
  error: 'must be "auto" or a number',
});

export const HYPERPARAMETER_KEYS = ["nEpochs", "batchSize", "learningRateMultiplier", "beta"] as const;

export const launchHyperparametersSchema = z
  .object({
    nEpochs: hyperparameter.optional(),
    batchSize: hyperparameter.optional(),
    learningRateMultiplier: hyperparameter.optional(),
    beta: hyperparameter.optional(),
  })
  .strict();

export const launchRequestSchema = z
  .object({
    provider: z.string({ error: 'is required: "openai"' }),
    /** The version to train on. The CLI, which only knows the dataset and version number, may send those instead. */
    datasetVersionId: z.string().min(1).optional(),
    datasetId: z.string().min(1).optional(),
    versionNumber: z.number().int().positive().optional(),
    baseModel: z.string({ error: "is required, e.g. gpt-4o-mini-2024-07-18" }).trim().min(1, "is required, e.g. gpt-4o-mini-2024-07-18").max(256, "must be at most 256 characters"),
    method: z.enum(["supervised", "dpo"], { error: 'must be "supervised" or "dpo"' }).optional(),
    hyperparameters: launchHyperparametersSchema.optional(),
    suffix: z.string({ error: "must be text" }).optional(),
    seed: z.number({ error: "must be a whole number" }).optional(),
  })
  .strict()
  .refine((r) => r.datasetVersionId || (r.datasetId && r.versionNumber), {
    message: "pick a dataset version (datasetVersionId, or datasetId with versionNumber)",
    path: ["datasetVersionId"],
  });

export type LaunchRequest = z.infer<typeof launchRequestSchema>;
export type LaunchHyperparameters = z.infer<typeof launchHyperparametersSchema>;
