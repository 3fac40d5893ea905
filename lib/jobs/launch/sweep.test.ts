import { describe, expect, it } from "vitest";
import { localLaunchRequestSchema } from "../local/config";
import { sweepIssues, sweepRequestSchema, sweepVariants, variantSuffix } from "./sweep";

describe("sweepVariants", () => {
  const launch = { provider: "local", datasetVersionId: "v1", baseModel: "tiny-chat", suffix: "colors", config: { lora: { rank: 8 }, training: { epochs: 2, lr: 0.01 } } };

  it("puts each value in place in its section, keeps every other setting, and names the value in the suffix", () => {
    const variants = sweepVariants(launch, { field: "lr", values: [1e-4, 0.0005] });
    expect(variants).toEqual([
      { ...launch, suffix: "colors lr=0.0001", config: { lora: { rank: 8 }, training: { epochs: 2, lr: 1e-4 } } },
      { ...launch, suffix: "colors lr=0.0005", config: { lora: { rank: 8 }, training: { epochs: 2, lr: 0.0005 } } },
    ]);
    const ranks = sweepVariants({ ...launch, suffix: undefined, config: undefined }, { field: "rank", values: [4, 64] });
    expect(ranks.map((v) => [v.suffix, v.config])).toEqual([["rank=4", { lora: { rank: 4 } }], ["rank=64", { lora: { rank: 64 } }]]);
    // Each variant is a launch request the server's schema takes.
    for (const v of variants) expect(localLaunchRequestSchema.safeParse(v).success).toBe(true);
  });

  it("keeps a long base suffix within the schema's 64 characters, the value's name whole", () => {
    const s = variantSuffix("x".repeat(70), "warmupRatio", 0.05);
    expect(s).toHaveLength(64);
    expect(s.endsWith(" warmupRatio=0.05")).toBe(true);
  });
});

describe("sweepRequestSchema", () => {
  const ok = { launch: { provider: "local" }, sweep: { field: "lr", values: [1e-4, 2e-4] } };
  it("takes 2 to 8 distinct numbers of a known setting", () => {
    expect(sweepRequestSchema.safeParse(ok).success).toBe(true);
    const message = (sweep: unknown) => sweepRequestSchema.safeParse({ ...ok, sweep }).error?.issues[0]?.message;
    expect(message({ field: "lr", values: [1e-4] })).toBe("a sweep needs at least 2 values");
    expect(message({ field: "lr", values: [1, 2, 3, 4, 5, 6, 7, 8, 9] })).toBe("at most 8 values: each one is a job");
    expect(message({ field: "lr", values: [1e-4, 1e-4] })).toBe("each value once: two jobs with the same settings compare nothing");
    expect(message({ field: "schedule", values: [1, 2] })).toMatch(/^must be one of lr, rank, alpha/);
  });
});

describe("sweepIssues", () => {
  const sweep = { field: "lr" as const, values: [1e-4, 2] };
  it("reports an issue every variant has once, and one only some values have with its value", () => {
    const model = { field: "baseModel", code: "model_not_found" as const, message: "No model nope." };
    const range = { field: "config.training.lr", code: "invalid_field" as const, message: "config.training.lr: learning rate must be 0 to 1." };
    expect(sweepIssues([[model], [model, range]], sweep)).toEqual([
      model,
      { field: "sweep.values", code: "invalid_field", message: "lr = 2: config.training.lr: learning rate must be 0 to 1." },
    ]);
    expect(sweepIssues([[], []], sweep)).toEqual([]);
  });
});
