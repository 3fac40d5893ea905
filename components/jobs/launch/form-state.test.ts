import { describe, expect, it } from "vitest";
import type { OpenAIRelaunchDraft } from "@/lib/jobs/launch/relaunch";
import { formStateFromDraft, initialFormState, toLaunchRequest } from "./form-state";

describe("toLaunchRequest", () => {
  it("sends only what differs from OpenAI's auto, as numbers", () => {
    const s = { ...initialFormState("v1"), nEpochs: " 3 ", batchSize: "AUTO", learningRateMultiplier: "0.5", suffix: "support", seed: "42" };
    expect(toLaunchRequest(s)).toEqual({
      provider: "openai",
      datasetVersionId: "v1",
      baseModel: "gpt-4o-mini-2024-07-18",
      method: "supervised",
      hyperparameters: { nEpochs: 3, learningRateMultiplier: 0.5 },
      suffix: "support",
      seed: 42,
    });
  });

  it("passes text that is not a number through, so the server can name the field", () => {
    const s = { ...initialFormState("v1"), nEpochs: "three", seed: "x" };
    expect(toLaunchRequest(s)).toMatchObject({ hyperparameters: { nEpochs: "three" }, seed: "x" });
  });

  it("drops beta unless the method is DPO, and an empty suffix and seed", () => {
    expect(toLaunchRequest({ ...initialFormState("v1"), beta: "0.1" }).hyperparameters).toEqual({});
    const dpo = toLaunchRequest({ ...initialFormState("v1", "dpo"), beta: "0.1" });
    expect(dpo.hyperparameters).toEqual({ beta: 0.1 });
    expect(dpo).not.toHaveProperty("suffix");
    expect(dpo).not.toHaveProperty("seed");
  });
});

describe("formStateFromDraft (Launch again)", () => {
  const draft: OpenAIRelaunchDraft = {
    provider: "openai",
    from: { id: "j1", provider: "openai", status: "succeeded", baseModel: "gpt-4.1-mini-2025-04-14", suffix: "v2", fineTunedModel: null, datasetLabel: "d v1", createdAt: "2026-12-01T00:00:00.000Z" },
    datasetVersionId: "v1",
    baseModel: "gpt-4.1-mini-2025-04-14",
    suffix: "v2",
    notes: [],
    method: "dpo",
    hyperparameters: { nEpochs: 2, beta: 0.2 },
    seed: 5,
    epochsRun: 2,
  };
  it("fills what the job asked for, auto where it asked for nothing, and launches the same request", () => {
    const s = formStateFromDraft(draft, "v1", "dpo");
    expect(s).toEqual({ datasetVersionId: "v1", baseModel: "gpt-4.1-mini-2025-04-14", method: "dpo", nEpochs: "2", batchSize: "auto", learningRateMultiplier: "auto", beta: "0.2", suffix: "v2", seed: "5" });
    expect(toLaunchRequest(s)).toEqual({ provider: "openai", datasetVersionId: "v1", baseModel: "gpt-4.1-mini-2025-04-14", method: "dpo", hyperparameters: { nEpochs: 2, beta: 0.2 }, suffix: "v2", seed: 5 });
  });
  it("leaves suffix and seed empty when the job had none", () => {
    expect(formStateFromDraft({ ...draft, suffix: null, seed: null }, "v3", "supervised")).toMatchObject({ datasetVersionId: "v3", method: "supervised", suffix: "", seed: "" });
  });
});
