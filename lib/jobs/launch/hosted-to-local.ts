import { DEFAULT_LOCAL_CONFIG, localConfigSchema, type LocalConfigInput } from "../local/config";
import type { LocalRelaunchDraft, OpenAIRelaunchDraft } from "./relaunch";

// "Train locally instead" (an OpenAI job's page; OpenAI takes no new fine-tuning jobs after 2027-01-06): the OpenAI
// job's settings carried over to a local job where they mean the same thing, and said where they do not. Pure, so
// the launch form (in the browser) can use it.

/** OpenAI's batch_size counts examples per optimizer step; locally that is micro-batch × accumulation. */
export function localBatchFor(batchSize: number): { batchSize: number; gradAccum: number } {
  const micro = batchSize <= 4 ? batchSize : batchSize % 4 === 0 ? 4 : batchSize % 2 === 0 ? 2 : 1;
  return { batchSize: micro, gradAccum: batchSize / micro };
}

export function localConfigFromHosted(draft: OpenAIRelaunchDraft): { config: LocalConfigInput; notes: string[] } {
  const h = draft.hyperparameters;
  const training: NonNullable<LocalConfigInput["training"]> = {};
  const notes: string[] = [];
  const epochs = typeof h.nEpochs === "number" ? h.nEpochs : draft.epochsRun;
  if (epochs !== null && epochs !== undefined) {
    training.epochs = epochs;
    notes.push(typeof h.nEpochs === "number" ? `n_epochs ${epochs} → Epochs ${epochs}.` : `n_epochs was "auto"; OpenAI's rule gave ${epochs} for this data → Epochs ${epochs}.`);
  }
  if (typeof h.batchSize === "number") {
    const b = localBatchFor(h.batchSize);
    Object.assign(training, b);
    notes.push(`batch_size ${h.batchSize} → Micro-batch ${b.batchSize} × Gradient accumulation ${b.gradAccum} (the same examples per optimizer step).`);
  }
  if (typeof h.learningRateMultiplier === "number")
    notes.push(`learning_rate_multiplier ${h.learningRateMultiplier} has no local equivalent (it scales a rate OpenAI does not publish): the trainer's default learning rate applies; set it below.`);
  if (draft.method === "dpo" && typeof h.beta === "number") {
    training.dpoBeta = h.beta;
    notes.push(`beta ${h.beta} → DPO beta ${h.beta}.`);
  }
  if (draft.seed !== null) training.seed = draft.seed;
  notes.push(`Pick a local base model: ${draft.baseModel} is OpenAI's. The LoRA settings start from the defaults.`);
  return { config: { training }, notes };
}

/** The local launch form's draft for an OpenAI job: its data, suffix and carried-over settings, no base model yet. */
export function localDraftFromHosted(draft: OpenAIRelaunchDraft): { draft: LocalRelaunchDraft; notes: string[] } {
  const { config, notes } = localConfigFromHosted(draft);
  const parsed = localConfigSchema.safeParse(config);
  const local: LocalRelaunchDraft = {
    provider: "local",
    from: draft.from,
    datasetVersionId: draft.datasetVersionId,
    baseModel: "",
    suffix: draft.suffix,
    notes: draft.notes,
    config: parsed.success ? parsed.data : DEFAULT_LOCAL_CONFIG,
  };
  return { draft: local, notes: parsed.success ? notes : [...notes, "These settings are out of the local trainer's ranges, so the form starts from the defaults."] };
}
