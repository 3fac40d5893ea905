import { describe, expect, it } from "vitest";
import { breakEvenSeries, calculateFineTuningRoi, type RoiInput } from "./roi";

// Expected values are worked out by hand in the comments, not by re-running the formula.

const gpt4o = { inputPerMTok: 3.75, outputPerMTok: 15 };
const gpt4oMini = { inputPerMTok: 0.3, outputPerMTok: 1.2 };

const input = (over: Partial<RoiInput>): RoiInput => ({
  trainingTokens: 1_000_000,
  trainingPricePerMTok: 3,
  dailyTokens: 1_000_000,
  days: 90,
  inputShare: 0.8,
  promptReduction: 0.5,
  base: gpt4o,
  fineTuned: gpt4oMini,
  ...over,
});

describe("calculateFineTuningRoi", () => {
  it("gpt-4o with long prompts vs a fine-tuned gpt-4o-mini with half the prompt", () => {
    const r = calculateFineTuningRoi(input({}));
    // training: 1M × $3 / 1M = $3
    expect(r.trainingCost).toBeCloseTo(3, 10);
    // base per day: 0.8M × $3.75 + 0.2M × $15 = 3 + 3 = $6; a month: $180
    expect(r.dailyBase).toBeCloseTo(6, 10);
    expect(r.monthlyBase).toBeCloseTo(180, 10);
    // fine-tuned per day: 0.8M × 0.5 × $0.30 + 0.2M × $1.20 = 0.12 + 0.24 = $0.36; a month: $10.80
    expect(r.dailyFineTuned).toBeCloseTo(0.36, 10);
    expect(r.monthlyFineTuned).toBeCloseTo(10.8, 10);
    // savings $5.64 a day, $169.20 a month; $3 is paid back on day 1; 90 days: 507.60 − 3 = $504.60
    expect(r.dailySavings).toBeCloseTo(5.64, 10);
    expect(r.monthlySavings).toBeCloseTo(169.2, 10);
    expect(r.breakEvenDays).toBe(1);
    expect(r.netSavings).toBeCloseTo(504.6, 10);
  });

  it("an exact break-even is that day, not the next (no floating-point off-by-one)", () => {
    // training 8M × $5 = $40; base 1M input × $3 = $3/day, fine-tuned 1M × $1 = $1/day → $2/day → 20 days
    const r = calculateFineTuningRoi(
      input({ trainingTokens: 8_000_000, trainingPricePerMTok: 5, inputShare: 1, promptReduction: 0, base: { inputPerMTok: 3, outputPerMTok: 0 }, fineTuned: { inputPerMTok: 1, outputPerMTok: 0 }, days: 10 }),
    );
    expect(r.breakEvenDays).toBe(20);
    // 10 days: 2 × 10 − 40 = −$20, a loss over the period
    expect(r.netSavings).toBeCloseTo(-20, 10);
  });

  it("rounds a partial day up: $10 of training at $3/day of savings takes 4 days", () => {
    const r = calculateFineTuningRoi(
      input({ trainingTokens: 10_000_000, trainingPricePerMTok: 1, inputShare: 1, promptReduction: 0, base: { inputPerMTok: 4, outputPerMTok: 0 }, fineTuned: { inputPerMTok: 1, outputPerMTok: 0 } }),
    );
    expect(r.breakEvenDays).toBe(4);
  });

  it("never breaks even when the fine-tuned model costs more per day", () => {
    // base gpt-4o-mini: 0.8 × 0.3 + 0.2 × 1.2 = $0.48/day; fine-tuned gpt-4o at 90 % of the prompt:
    // 0.8 × 0.9 × 3.75 + 0.2 × 15 = 2.7 + 3 = $5.70/day → −$5.22/day
    const r = calculateFineTuningRoi(input({ base: gpt4oMini, fineTuned: gpt4o, promptReduction: 0.1 }));
    expect(r.dailySavings).toBeCloseTo(-5.22, 10);
    expect(r.breakEvenDays).toBeNull();
    // 90 days: −5.22 × 90 − 3 = −$472.80
    expect(r.netSavings).toBeCloseTo(-472.8, 10);
  });

  it("never breaks even with equal prices and no prompt reduction (savings exactly zero)", () => {
    const r = calculateFineTuningRoi(input({ base: gpt4oMini, fineTuned: gpt4oMini, promptReduction: 0 }));
    expect(r.dailySavings).toBeCloseTo(0, 12);
    expect(r.breakEvenDays).toBeNull();
    expect(r.netSavings).toBeCloseTo(-3, 10);
  });

  it("zero tokens cost nothing and save nothing", () => {
    const r = calculateFineTuningRoi(input({ trainingTokens: 0, dailyTokens: 0 }));
    expect(r).toMatchObject({ trainingCost: 0, dailyBase: 0, dailyFineTuned: 0, monthlySavings: 0, breakEvenDays: null, netSavings: 0 });
  });

  it("training paid, no traffic: the loss is the training cost", () => {
    const r = calculateFineTuningRoi(input({ dailyTokens: 0 }));
    expect(r.breakEvenDays).toBeNull();
    expect(r.netSavings).toBeCloseTo(-3, 10);
  });

  it("a 100 % prompt reduction leaves only output tokens; free training breaks even at once", () => {
    // base: 2M × (0.5 × $2 + 0.5 × $4) = $6/day; fine-tuned: 2M × (0 + 0.5 × $4) = $4/day
    const r = calculateFineTuningRoi(
      input({ trainingTokens: 0, dailyTokens: 2_000_000, inputShare: 0.5, promptReduction: 1, base: { inputPerMTok: 2, outputPerMTok: 4 }, fineTuned: { inputPerMTok: 10, outputPerMTok: 4 }, days: 30 }),
    );
    expect(r.dailyFineTuned).toBeCloseTo(4, 10);
    expect(r.dailySavings).toBeCloseTo(2, 10);
    expect(r.breakEvenDays).toBe(0);
    expect(r.netSavings).toBeCloseTo(60, 10);
  });
});

describe("breakEvenSeries", () => {
  it("starts the fine-tuned line at the training cost and the base line at zero; lines cross at break-even", () => {
    const r = calculateFineTuningRoi(
      input({ trainingTokens: 8_000_000, trainingPricePerMTok: 5, inputShare: 1, promptReduction: 0, base: { inputPerMTok: 3, outputPerMTok: 0 }, fineTuned: { inputPerMTok: 1, outputPerMTok: 0 } }),
    );
    const series = breakEvenSeries(r, 40);
    expect(series[0]).toEqual({ day: 0, base: 0, fineTuned: 40 });
    // day 20: base 20 × 3 = 60; fine-tuned 40 + 20 × 1 = 60
    const crossing = series.find((p) => p.day === 20)!;
    expect(crossing.base).toBeCloseTo(60, 10);
    expect(crossing.fineTuned).toBeCloseTo(60, 10);
    expect(series.at(-1)!.day).toBe(40);
    expect(series).toHaveLength(41);
  });

  it("thins long periods to at most maxPoints and still ends on the last day", () => {
    const series = breakEvenSeries(calculateFineTuningRoi(input({})), 1000, 101);
    expect(series.length).toBeLessThanOrEqual(101);
    expect(series[0]!.day).toBe(0);
    expect(series.at(-1)!.day).toBe(1000);
  });
});
