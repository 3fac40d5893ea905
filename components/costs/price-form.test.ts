import { describe, expect, it } from "vitest";
import { bodyFromForm, fieldOfServerMessage, formFromRow } from "./price-form";

const row = {
  id: "r1",
  provider: "openai",
  model: "gpt-4o-mini-2024-07-18",
  trainingPerMTok: 3,
  inputPerMTok: 0.3,
  outputPerMTok: 1.2,
  cachedInputPerMTok: null,
  baseInputPerMTok: 0.15,
  baseCachedInputPerMTok: 0.075,
  baseOutputPerMTok: 0.6,
  asOf: "2026-08-21",
  source: "x",
  note: "",
  legacy: false,
  hasDefault: true,
  updatedAt: "2026-11-29T00:00:00.000Z",
};

describe("price dialog form", () => {
  it("an edit sends numbers, null for an emptied optional price, and no date unless one is typed", () => {
    const v = { ...formFromRow(row), inputPerMTok: "$0.45", cachedInputPerMTok: "", baseCachedInputPerMTok: " ", baseOutputPerMTok: "0.55" };
    expect(bodyFromForm(v, "edit")).toEqual({
      body: {
        model: row.model,
        note: "",
        trainingPerMTok: 3,
        inputPerMTok: 0.45,
        cachedInputPerMTok: null,
        outputPerMTok: 1.2,
        baseInputPerMTok: 0.15,
        baseCachedInputPerMTok: null,
        baseOutputPerMTok: 0.55,
      },
    });
    expect(bodyFromForm({ ...v, asOf: "2026-11-01" }, "edit")).toMatchObject({ body: { asOf: "2026-11-01" } });
  });

  it("an add needs a model and a training price; bad numbers are named per field", () => {
    const v = { ...formFromRow(null), inputPerMTok: "abc", outputPerMTok: "-2", baseInputPerMTok: "0.1.5", baseOutputPerMTok: "-0.6" };
    expect(bodyFromForm(v, "add")).toEqual({
      errors: {
        model: "Type the model's name, e.g. gpt-4o-mini-2024-07-18.",
        trainingPerMTok: "Type the training price (0 for free).",
        inputPerMTok: "Type a number of dollars, e.g. 0.15.",
        outputPerMTok: "Cannot be negative; type 0 for free.",
        baseInputPerMTok: "Type a number of dollars, e.g. 0.15.",
        baseOutputPerMTok: "Cannot be negative; type 0 for free.",
      },
    });
    expect(bodyFromForm({ ...formFromRow(null), model: "m", trainingPerMTok: "0", provider: "local" }, "add")).toMatchObject({ body: { provider: "local", model: "m", trainingPerMTok: 0 } });
  });

  it("puts a server message beside the field it names", () => {
    expect(fieldOfServerMessage('model: "x" already has a row in the price table; edit that row instead')).toEqual({ field: "model", message: '"x" already has a row in the price table; edit that row instead' });
    expect(fieldOfServerMessage("baseOutputPerMTok: baseOutputPerMTok cannot be negative; type 0 for free")).toEqual({ field: "baseOutputPerMTok", message: "baseOutputPerMTok cannot be negative; type 0 for free" });
    expect(fieldOfServerMessage("Price row not found")).toEqual({ field: null, message: "Price row not found" });
    expect(fieldOfServerMessage("input: nothing to change")).toEqual({ field: null, message: "input: nothing to change" });
  });
});
