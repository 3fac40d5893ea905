import { describe, expect, it } from "vitest";
import { ROI_DEFAULTS, parseRoiForm, roiFormFromParams, roiFormToParams, type RoiForm } from "./roi-form";

const mini = { trainingPerMTok: 3, inputPerMTok: 0.3, outputPerMTok: 1.2 };
const gpt4o = { trainingPerMTok: 25, inputPerMTok: 3.75, outputPerMTok: 15 };
const form = (over: Partial<RoiForm>): RoiForm => ({ ...ROI_DEFAULTS, ...over });

describe("ROI form", () => {
  it("takes empty prices from the chosen rows: training from the fine-tuned model's row", () => {
    const { input, errors, prices } = parseRoiForm(form({ training: "2,000,000", inputShare: "75", reduction: "40" }), { base: gpt4o, ft: mini });
    expect(errors).toEqual({});
    expect(prices).toEqual({ trainPrice: 3, baseIn: 3.75, baseOut: 15, ftIn: 0.3, ftOut: 1.2 });
    expect(input).toMatchObject({ trainingTokens: 2_000_000, trainingPricePerMTok: 3, inputShare: 0.75, promptReduction: 0.4, base: { inputPerMTok: 3.75 }, fineTuned: { outputPerMTok: 1.2 } });
  });

  it("a typed price wins over the table", () => {
    const { prices } = parseRoiForm(form({ baseIn: "0.15", baseOut: "0.6" }), { base: mini, ft: mini });
    expect(prices).toMatchObject({ baseIn: 0.15, baseOut: 0.6, ftIn: 0.3 });
  });

  it("names every bad field and says what to type; no result until they are fixed", () => {
    const { input, errors } = parseRoiForm(form({ training: "abc", daily: "-5", days: "0", inputShare: "120", reduction: "12.5", ftIn: "x" }), { base: gpt4o, ft: mini });
    expect(input).toBeNull();
    expect(errors).toEqual({
      training: "Training tokens: type a number",
      daily: "Daily inference tokens: cannot be negative",
      days: "Period (days): must be between 1 and 3650 days",
      inputShare: "Input share (%): must be between 0 and 100",
      ftIn: "Fine-tuned input / 1M: type a number",
    });
    expect(parseRoiForm(form({ daily: "1.5" }), { base: gpt4o, ft: mini }).errors).toEqual({ daily: "Daily inference tokens: type a whole number" });
  });

  it("asks for a price when the model is not in the table", () => {
    const { errors } = parseRoiForm(form({ base: "unknown" }), { base: null, ft: mini });
    expect(errors.baseIn).toBe("Base input / 1M: the price table has no such price for this model; type one");
    expect(errors.baseOut).toMatch(/^Base output \/ 1M:/);
  });

  it("round-trips through the URL, writing only what differs from the defaults", () => {
    const changed = form({ daily: "5000", ft: "gpt-4.1-mini-2025-04-14" });
    const params = roiFormToParams(changed);
    expect(params).toEqual({ daily: "5000", ft: "gpt-4.1-mini-2025-04-14" });
    expect(roiFormFromParams({ ...params, job: "abc", days: ["30", "60"] })).toEqual({ ...changed, days: "30" });
  });
});
