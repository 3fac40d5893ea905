import { describe, expect, it } from "vitest";
import { explainAutoEpochs } from "./auto-epochs";
import { launchRefused } from "./issues";
import { pickInitialVersion, type LaunchVersionOption } from "./options";

describe("explainAutoEpochs", () => {
  it("says how OpenAI's heuristic got its number", () => {
    expect(explainAutoEpochs(15)).toBe('"auto" lets OpenAI choose: 6 epochs for 15 training examples — small sets get more epochs so training sees about 100 examples (100 ÷ 15, rounded down, at most 25).');
    expect(explainAutoEpochs(100)).toBe('"auto" lets OpenAI choose: 3 epochs for 100 training examples — the default of 3 for sets of 34 to 8,333 examples.');
    expect(explainAutoEpochs(20_000)).toBe('"auto" lets OpenAI choose: 1 epoch for 20,000 training examples — large sets get fewer epochs so training sees about 25,000 examples (25,000 ÷ 20,000, rounded down, at least 1).');
  });
});

describe("launchRefused", () => {
  it("answers with the first issue's status and code, every message, and the issues in details", () => {
    const err = launchRefused([
      { field: "credentials", code: "openai_not_configured", message: "No key." },
      { field: "suffix", code: "invalid_hyperparameter", message: "suffix: too long." },
    ]);
    expect(err).toMatchObject({ status: 409, code: "openai_not_configured", message: "2 problems block this launch: No key. suffix: too long." });
    expect((err.details as { issues: unknown[] }).issues).toHaveLength(2);
  });
});

describe("pickInitialVersion", () => {
  const v = (id: string, datasetId: string, number: number): LaunchVersionOption => ({
    id, datasetId, number, datasetName: datasetId, trainCount: 10, validationCount: 0, hasPreference: false, createdAt: "2026-11-29T00:00:00Z", note: "",
  });
  const versions = [v("b2", "b", 2), v("a1", "a", 1), v("b1", "b", 1)];

  it("takes ?datasetVersion, else ?dataset [&version], else the newest version", () => {
    expect(pickInitialVersion(versions, { datasetVersion: "b1" })).toBe("b1");
    expect(pickInitialVersion(versions, { dataset: "b", version: "1" })).toBe("b1");
    expect(pickInitialVersion(versions, { dataset: "b" })).toBe("b2");
    expect(pickInitialVersion(versions, { datasetVersion: "gone" })).toBe("b2");
    expect(pickInitialVersion(versions, { dataset: "none" })).toBeNull();
    expect(pickInitialVersion([], {})).toBeNull();
  });
});
