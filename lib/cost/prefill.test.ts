import { describe, expect, it } from "vitest";
import { initialRoiForm, type RoiPrefill } from "./prefill";
import { ROI_DEFAULTS } from "./roi-form";

const job: RoiPrefill = { jobId: "j1", status: "succeeded", baseModel: "gpt-4.1-mini-2025-04-14", fineTunedModel: null, trainingTokens: 345_678, tokensFrom: "trained" };

describe("initialRoiForm", () => {
  it("without a job: the defaults, overridden by the URL", () => {
    expect(initialRoiForm({}, null)).toEqual(ROI_DEFAULTS);
    expect(initialRoiForm({ daily: "42" }, null)).toEqual({ ...ROI_DEFAULTS, daily: "42" });
  });

  it("a job sets the training tokens and the model on both sides", () => {
    expect(initialRoiForm({ job: "j1" }, job)).toEqual({ ...ROI_DEFAULTS, training: "345678", base: "gpt-4.1-mini-2025-04-14", ft: "gpt-4.1-mini-2025-04-14" });
  });

  it("what the URL says wins over the job (a shared link keeps its numbers)", () => {
    expect(initialRoiForm({ job: "j1", training: "10", base: "gpt-4o-2024-08-06" }, job)).toMatchObject({ training: "10", base: "gpt-4o-2024-08-06", ft: "gpt-4.1-mini-2025-04-14" });
  });

  it("a job with no token count yet keeps the default training tokens", () => {
    expect(initialRoiForm({}, { ...job, trainingTokens: null, tokensFrom: null }).training).toBe(ROI_DEFAULTS.training);
  });
});
