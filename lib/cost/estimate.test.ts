import { describe, expect, it } from "vitest";
import { defaultEpochs, defaultTrainingPrice, estimateBilling } from "./estimate";

describe("defaultEpochs (cookbook heuristic)", () => {
  it("raises epochs for small sets: min(25, 100 // n) when n × 3 < 100", () => {
    expect(defaultEpochs(1)).toBe(25); // 100 // 1 = 100, clamped to 25
    expect(defaultEpochs(3)).toBe(25); // 100 // 3 = 33, clamped
    expect(defaultEpochs(5)).toBe(20); // 100 // 5
    expect(defaultEpochs(10)).toBe(10); // matches the real job in the reference
    expect(defaultEpochs(20)).toBe(5);
    expect(defaultEpochs(33)).toBe(3); // 99 < 100 → 100 // 33 = 3
  });

  it("keeps 3 epochs between 34 and 8,333 examples", () => {
    expect(defaultEpochs(34)).toBe(3);
    expect(defaultEpochs(50)).toBe(3);
    expect(defaultEpochs(100)).toBe(3); // matches the real job in the reference
    expect(defaultEpochs(8_333)).toBe(3); // 24,999 ≤ 25,000
  });

  it("lowers epochs for large sets: max(1, 25000 // n) when n × 3 > 25,000", () => {
    expect(defaultEpochs(8_334)).toBe(2); // 25,002 > 25,000 → 25000 // 8334 = 2
    expect(defaultEpochs(10_000)).toBe(2);
    expect(defaultEpochs(12_501)).toBe(1);
    expect(defaultEpochs(30_000)).toBe(1); // 25000 // 30000 = 0, clamped to 1
  });
});

describe("estimateBilling", () => {
  it("bills Σ min(limit, tokens) × epochs at the price per 1M", () => {
    const est = estimateBilling({ exampleTokens: [100, 200, 70_000], model: "gpt-4o-mini-2024-07-18", usdPerMTok: 3 });
    // 3 examples → 25 epochs; the 70,000-token example is truncated to 65,536.
    expect(est).toEqual({ examples: 3, tokensPerEpoch: 65_836, epochs: 25, billedTokens: 1_645_900, usd: (1_645_900 * 3) / 1_000_000 });
  });

  it("takes fixed epochs, a custom limit and an unknown price", () => {
    const est = estimateBilling({ exampleTokens: [10, 20, 30], model: "gpt-3.5-turbo", epochs: 2, tokenLimit: 25, usdPerMTok: null });
    expect(est).toEqual({ examples: 3, tokensPerEpoch: 55, epochs: 2, billedTokens: 110, usd: null });
  });

  it("uses the model's limit: 16,385 for gpt-3.5-turbo", () => {
    const est = estimateBilling({ exampleTokens: Array(50).fill(20_000), model: "gpt-3.5-turbo-0125", usdPerMTok: 8 });
    expect(est.tokensPerEpoch).toBe(50 * 16_385);
    expect(est.epochs).toBe(3);
    expect(est.billedTokens).toBe(3 * 50 * 16_385);
    expect(est.usd).toBeCloseTo((3 * 50 * 16_385 * 8) / 1e6, 10);
  });

  it("handles an empty set", () => {
    expect(estimateBilling({ exampleTokens: [], model: "gpt-4o", usdPerMTok: 25 })).toEqual({
      examples: 0,
      tokensPerEpoch: 0,
      epochs: 3,
      billedTokens: 0,
      usd: 0,
    });
  });
});

describe("defaultTrainingPrice", () => {
  it("resolves exact snapshots, aliases, other snapshots and ft: names", () => {
    expect(defaultTrainingPrice("gpt-4o-mini-2024-07-18")).toBe(3);
    expect(defaultTrainingPrice("gpt-4o-mini")).toBe(3);
    expect(defaultTrainingPrice("gpt-4o")).toBe(25);
    expect(defaultTrainingPrice("gpt-4.1")).toBe(25);
    expect(defaultTrainingPrice("gpt-4.1-mini")).toBe(5);
    expect(defaultTrainingPrice("gpt-4.1-nano-2025-04-14")).toBe(1.5);
    expect(defaultTrainingPrice("gpt-3.5-turbo-1106")).toBe(8);
    expect(defaultTrainingPrice("ft:gpt-4o-mini-2024-07-18:acme::abc")).toBe(3);
    expect(defaultTrainingPrice("GPT-4o-mini")).toBe(3);
  });

  it("is null for models without a per-token training price", () => {
    expect(defaultTrainingPrice("llama-3-8b")).toBeNull();
    expect(defaultTrainingPrice("o4-mini-2025-04-16")).toBeNull(); // RFT is billed per hour
  });
});
