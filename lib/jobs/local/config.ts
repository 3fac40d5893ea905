import { z } from "zod";
import { FUSED_MODULES, fusedModulesOf, type Fusion } from "../../models/shape";

// What a local fine-tune is configured with: the one schema the launch form, POST /api/jobs (provider
// "local"), `tuneforge jobs create --provider local`, the models page's estimate and the GPU worker share.
// Defaults are the seed's (and `tuneforge train`'s): r 16, alpha 32, dropout 0.05 on q/k/v/o, NF4 + double
// quant, 3 epochs, batch 4 × accumulation 4, lr 2e-4, cosine with 3 % warmup, max grad norm 1.0.
// Stored on FineTuneJob: `loraConfig` = { lora, quantization }; `hyperparameters` = the rest.

export const LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** The two presets people reach for: attention projections only (the seed's), or every linear layer (QLoRA paper). */
export const LORA_TARGET_PRESETS = {
  attention: ["q_proj", "k_proj", "v_proj", "o_proj"],
  "all-linear": [...LORA_TARGETS],
} as const satisfies Record<string, readonly LoraTarget[]>;
export type LoraTargetPreset = keyof typeof LORA_TARGET_PRESETS;

const int = (what: string, min: number, max: number) =>
  z.number({ error: `${what} must be a whole number` }).int(`${what} must be a whole number`).min(min, `${what} must be ${min} to ${max}`).max(max, `${what} must be ${min} to ${max}`);
const num = (what: string, min: number, max: number) =>
  z.number({ error: `${what} must be a number` }).min(min, `${what} must be ${min} to ${max}`).max(max, `${what} must be ${min} to ${max}`);

export const loraSchema = z
  .object({
    rank: int("rank", 1, 1024).default(16),
    alpha: num("alpha", 0, 4096).default(32),
    dropout: num("dropout", 0, 0.99).default(0.05),
    /** rsLoRA scaling alpha/√r instead of alpha/r. */
    rslora: z.boolean().default(false),
    targets: z.array(z.enum(LORA_TARGETS, { error: `must be among ${LORA_TARGETS.join(", ")}` })).min(1, "pick at least one target module").default([...LORA_TARGET_PRESETS.attention]),
  })
  .strict();

export const quantizationSchema = z
  .object({
    /** How the frozen base weights are held: NF4 (QLoRA) or the checkpoint's own dtype (plain LoRA). */
    quant: z.enum(["nf4", "none"], { error: 'must be "nf4" or "none"' }).default("nf4"),
    /** NF4 only: quantize the absmax values too (≈0.37 bits/parameter saved). Default: on with nf4. */
    doubleQuant: z.boolean().optional(),
  })
  .strict()
  .refine((q) => q.quant === "nf4" || !q.doubleQuant, { message: "double quantization needs nf4", path: ["doubleQuant"] })
  .transform((q) => ({ quant: q.quant, doubleQuant: q.doubleQuant ?? q.quant === "nf4" }));

export const localTrainingSchema = z
  .object({
    epochs: int("epochs", 1, 100).default(3),
    batchSize: int("batch size", 1, 1024).default(4),
    gradAccum: int("gradient accumulation", 1, 1024).default(4),
    lr: num("learning rate", 0, 1).default(2e-4),
    weightDecay: num("weight decay", 0, 10).default(0.01),
    schedule: z.enum(["cosine", "linear", "constant"], { error: "must be cosine, linear or constant" }).default("cosine"),
    warmupRatio: num("warmup ratio", 0, 1).default(0.03),
    /** <= 0 disables clipping. */
    maxGradNorm: num("max grad norm", -1, 1e6).default(1.0),
    seed: int("seed", 0, 2 ** 31 - 1).default(0),
    /** Longer examples are truncated (reported); clamped to the model's max_position_embeddings. */
    maxSeqLen: int("max sequence length", 2, 1 << 20).default(2048),
    /** DPO only (a preference version): the strength of the pull toward the reference, as OpenAI's and TRL's beta. */
    dpoBeta: num("DPO beta", 0.001, 10).default(0.1),
    packing: z.boolean().default(false),
    gradientCheckpointing: z.boolean().default(false),
    backend: z.enum(["auto", "cpu", "cuda"], { error: "must be auto, cpu or cuda" }).default("auto"),
    /** Optimizer steps between validation passes; 0 = at each epoch end. */
    evalEvery: int("validation interval", 0, 1e9).default(0),
    /** Optimizer steps between checkpoints; 0 = at each epoch end (epoch ends always get one). */
    checkpointEvery: int("checkpoint interval", 0, 1e9).default(0),
    /**
     * Early stopping (HF's EarlyStoppingCallback on the validation loss): training stops once this many validation
     * passes in a row have not lowered the best validation loss by more than earlyStoppingThreshold; 0 = off.
     * Needs a validation split.
     */
    earlyStoppingPatience: int("early stopping patience", 0, 1000).default(0),
    earlyStoppingThreshold: num("early stopping threshold", 0, 100).default(0),
    /** The adapter is the step with the lowest validation loss, not the last step's. Needs a validation split. */
    keepBest: z.boolean().default(false),
  })
  .strict();

export const localConfigSchema = z
  .object({
    lora: loraSchema.default(loraSchema.parse({})),
    quantization: quantizationSchema.default(quantizationSchema.parse({})),
    training: localTrainingSchema.default(localTrainingSchema.parse({})),
  })
  .strict();

export type LoraConfig = z.infer<typeof loraSchema>;
export type QuantizationConfig = z.infer<typeof quantizationSchema>;
export type LocalTrainingConfig = z.infer<typeof localTrainingSchema>;
export type LocalConfig = z.infer<typeof localConfigSchema>;
/** What a client may send: every field optional (defaults fill in). */
export type LocalConfigInput = z.input<typeof localConfigSchema>;

export const DEFAULT_LOCAL_CONFIG: LocalConfig = localConfigSchema.parse({});

/** The preset a target list matches, or "custom". */
export function targetPresetOf(targets: readonly string[]): LoraTargetPreset | "custom" {
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((t) => b.includes(t));
  for (const [name, list] of Object.entries(LORA_TARGET_PRESETS)) if (same(targets, list)) return name as LoraTargetPreset;
  return "custom";
}

/**
 * A model with fused projections computes q, k and v in one qkv_proj (Phi-3, Phi-4) or gate and up in one
 * gate_up_proj (Phi-3, Phi-4, GLM-4), so LoRA adapts all of a fused module or none of it (the trainer refuses a part
 * alone with the same words). The problem with `targets` on a model with the fusion flags `model` (its shape), or null:
 * a GLM-4 takes q_proj alone, as its q, k and v are apart.
 */
export function fusedTargetsProblem(targets: readonly LoraTarget[], model: Fusion): string | null {
  for (const fused of fusedModulesOf(model)) {
    const parts = FUSED_MODULES[fused];
    const picked = parts.filter((p) => targets.includes(p));
    if (picked.length > 0 && picked.length < parts.length)
      return `this model computes ${parts.join(", ")} in one module, ${fused}, so LoRA adapts all of them or none: pick ${parts.join(", ")} together, or none of them`;
  }
  return null;
}

/**
 * POST /api/jobs with provider "local" (the launch form and `tuneforge jobs create --provider local` send this).
 * baseModel is a folder name in the models directory (lib/models/resolve.ts confines it there).
 */
export const localLaunchRequestSchema = z
  .object({
    provider: z.literal("local"),
    datasetVersionId: z.string().min(1).optional(),
    datasetId: z.string().min(1).optional(),
    versionNumber: z.number().int().positive().optional(),
    baseModel: z.string({ error: "is required: a model folder in the models directory" }).trim().min(1, "is required: a model folder in the models directory").max(256),
    suffix: z.string({ error: "must be text" }).max(64, "must be at most 64 characters").optional(),
    config: localConfigSchema.default(DEFAULT_LOCAL_CONFIG),
  })
  .strict()
  .refine((r) => r.datasetVersionId || (r.datasetId && r.versionNumber), {
    message: "pick a dataset version (datasetVersionId, or datasetId with versionNumber)",
    path: ["datasetVersionId"],
  });
export type LocalLaunchRequest = z.infer<typeof localLaunchRequestSchema>;
