import { describe, expect, it } from "vitest";
import { DEFAULT_LOCAL_CONFIG } from "../local/config";
import { localBatchFor, localDraftFromHosted } from "./hosted-to-local";
import type { OpenAIRelaunchDraft } from "./relaunch";

const draft = (over: Partial<OpenAIRelaunchDraft>): OpenAIRelaunchDraft => ({
  provider: "openai",
  from: { id: "j", provider: "openai", status: "succeeded", baseModel: "gpt-4o-mini-2024-07-18", suffix: "support", fineTunedModel: null, datasetLabel: "d v1", createdAt: "2026-12-01T00:00:00.000Z" },
  datasetVersionId: "v1",
  baseModel: "gpt-4o-mini-2024-07-18",
  suffix: "support",
  notes: [],
  method: "supervised",
  hyperparameters: {},
  seed: null,
  epochsRun: null,
  ...over,
});

describe("localBatchFor", () => {
  it("keeps OpenAI's examples per optimizer step as micro-batch × accumulation", () => {
    expect([1, 3, 4, 8, 12, 6, 7, 256].map(localBatchFor)).toEqual([
      { batchSize: 1, gradAccum: 1 },
      { batchSize: 3, gradAccum: 1 },
      { batchSize: 4, gradAccum: 1 },
      { batchSize: 4, gradAccum: 2 },
      { batchSize: 4, gradAccum: 3 },
      { batchSize: 2, gradAccum: 3 },
      { batchSize: 1, gradAccum: 7 },
      { batchSize: 4, gradAccum: 64 },
    ]);
  });
});

describe("localDraftFromHosted", () => {
  it("carries epochs, batch, beta and seed over, says so, and says what does not carry", () => {
    const { draft: local, notes } = localDraftFromHosted(draft({ method: "dpo", hyperparameters: { nEpochs: 2, batchSize: 8, learningRateMultiplier: 0.5, beta: 0.2 }, seed: 7 }));
    expect(local).toMatchObject({ provider: "local", datasetVersionId: "v1", baseModel: "", suffix: "support" });
    expect(local.config.training).toMatchObject({ epochs: 2, batchSize: 4, gradAccum: 2, dpoBeta: 0.2, seed: 7, lr: DEFAULT_LOCAL_CONFIG.training.lr });
    expect(local.config.lora).toEqual(DEFAULT_LOCAL_CONFIG.lora);
    expect(notes).toEqual([
      "n_epochs 2 → Epochs 2.",
      "batch_size 8 → Micro-batch 4 × Gradient accumulation 2 (the same examples per optimizer step).",
      "learning_rate_multiplier 0.5 has no local equivalent (it scales a rate OpenAI does not publish): the trainer's default learning rate applies; set it below.",
      "beta 0.2 → DPO beta 0.2.",
      "Pick a local base model: gpt-4o-mini-2024-07-18 is OpenAI's. The LoRA settings start from the defaults.",
    ]);
  });

  it("takes the epochs OpenAI's auto gave when n_epochs was auto, and the defaults for the rest", () => {
    const { draft: local, notes } = localDraftFromHosted(draft({ epochsRun: 6 }));
    expect(local.config.training).toEqual({ ...DEFAULT_LOCAL_CONFIG.training, epochs: 6 });
    expect(notes[0]).toBe('n_epochs was "auto"; OpenAI\'s rule gave 6 for this data → Epochs 6.');
    expect(localDraftFromHosted(draft({})).draft.config).toEqual(DEFAULT_LOCAL_CONFIG);
  });
});
