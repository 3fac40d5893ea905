import { describe, expect, it } from "vitest";
import { initialFormState, toLaunchRequest } from "./form-state";

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
