import { describe, expect, it } from "vitest";
import { ROI_DEFAULTS, parseRoiForm, roiFormFromParams, roiFormToParams, type RoiForm } from "./roi-form";

// The default rows: fine-tuned inference prices, and the base model's own.
const mini = { trainingPerMTok: 3, inputPerMTok: 0.3, outputPerMTok: 1.2, baseInputPerMTok: 0.15, baseOutputPerMTok: 0.6 };
const gpt4o = { trainingPerMTok: 25, inputPerMTok: 3.75, outputPerMTok: 15, baseInputPerMTok: 2.5, baseOutputPerMTok: 10 };
const form = (over: Partial<RoiForm>): RoiForm => ({ ...ROI_DEFAULTS, ...over });

describe("ROI form", () => {
  it("takes empty prices from the chosen rows: base prices from the base columns, the rest from the fine-tuned model's row", () => {
    const { input, errors, prices } = parseRoiForm(form({ training: "2,000,000", inputShare: "75", reduction: "40" }), { base: gpt4o, ft: mini });
    expect(errors).toEqual({});
    expect(prices).toEqual({ trainPrice: 3, baseIn: 2.5, baseOut: 10, ftIn: 0.3, ftOut: 1.2 });
    expect(input).toMatchObject({ trainingTokens: 2_000_000, trainingPricePerMTok: 3, inputShare: 0.75, promptReduction: 0.4, base: { inputPerMTok: 2.5, outputPerMTok: 10 }, fineTuned: { inputPerMTok: 0.3, outputPerMTok: 1.2 } });
    // The same model on both sides: using it as is costs its base prices, fine-tuned about twice that.
    expect(parseRoiForm(form({}), { base: mini, ft: mini }).prices).toEqual({ trainPrice: 3, baseIn: 0.15, baseOut: 0.6, ftIn: 0.3, ftOut: 1.2 });
  });

  it("asks for the base price when the base model's row has none, never falling back to the fine-tuned price", () => {
    const { errors, prices } = parseRoiForm(form({}), { base: { ...gpt4o, baseInputPerMTok: null }, ft: mini });
    expect(errors).toEqual({ baseIn: "Base input / 1M: the price table has no base-model price for this model; type one" });
    expect(prices.baseIn).toBeNull();
  });

  it("a typed price wins over the table", () => {
    const { prices } = parseRoiForm(form({ baseIn: "0.12", baseOut: "0.5" }), { base: mini, ft: mini });
    expect(prices).toMatchObject({ baseIn: 0.12, baseOut: 0.5, ftIn: 0.3 });
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
    expect(errors.baseIn).toBe("Base input / 1M: the price table has no base-model price for this model; type one");
    expect(errors.baseOut).toMatch(/^Base output \/ 1M:/);
  });

  it("round-trips through the URL, writing only what differs from the defaults", () => {
    const changed = form({ daily: "5000", ft: "gpt-4.1-mini-2025-04-14" });
    const params = roiFormToParams(changed);
    expect(params).toEqual({ daily: "5000", ft: "gpt-4.1-mini-2025-04-14" });
    expect(roiFormFromParams({ ...params, job: "abc", days: ["30", "60"] })).toEqual({ ...changed, days: "30" });
  });
});
