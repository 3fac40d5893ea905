import { describe, expect, it } from "vitest";
import { bucketsFromCounts, histogramEdges } from "./histogram";
import { trainingPriceFor } from "./price";
import { readiness, type ReadinessFacts } from "./readiness";

describe("histogramEdges", () => {
  it("covers min..max with nice integer steps and at most the bucket count", () => {
    expect(histogramEdges(17, 63, 10)).toEqual([15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65]);
    expect(histogramEdges(2, 7, 20)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(histogramEdges(5, 5)).toEqual([5, 6]);
    const wide = histogramEdges(3, 70_123, 20);
    expect(wide.length - 1).toBeLessThanOrEqual(20);
    expect(wide[0]).toBeLessThanOrEqual(3);
    expect(wide.at(-1)).toBeGreaterThan(70_123);
    const steps = new Set(wide.slice(1).map((e, i) => e - wide[i]!));
    expect([...steps]).toEqual([5_000]);
  });

  it("returns no edges for an empty range", () => {
    expect(histogramEdges(NaN, 3)).toEqual([]);
    expect(histogramEdges(4, 3)).toEqual([]);
  });

  it("maps width_bucket numbers to [from, to) buckets, zero-filling gaps", () => {
    expect(bucketsFromCounts([0, 10, 20, 30], new Map([[1, 4], [3, 2]])).buckets).toEqual([
      { from: 0, to: 10, count: 4 },
      { from: 10, to: 20, count: 0 },
      { from: 20, to: 30, count: 2 },
    ]);
  });
});

const healthy: ReadinessFacts = {
  examples: 120, train: 100, validation: 20, withErrors: 0, overLimit: 0, tokenLimit: 65_536, countModel: "gpt-4o-mini-2024-07-18",
  exactDuplicates: 0, nearDuplicates: 0, leaked: 0, topTag: { tag: "billing", count: 60 }, counted: 120, analysisPending: false, analysisError: null,
};
const codes = (f: Partial<ReadinessFacts>) => readiness({ ...healthy, ...f }).map((i) => `${i.level}:${i.code}`);

describe("readiness", () => {
  it("reads as checked when nothing is wrong", () => {
    expect(codes({})).toEqual(["ok:enough_examples", "ok:validation_split", "ok:no_errors"]);
  });

  it("says fewer than 50 examples, and that OpenAI rejects fewer than 10", () => {
    const few = readiness({ ...healthy, train: 18, examples: 18, validation: 0 });
    expect(few.find((i) => i.code === "few_examples")).toMatchObject({ level: "warning", message: expect.stringMatching(/^Fewer than 50 examples \(18 for training\)/) });
    expect(codes({ train: 49 })).toContain("warning:few_examples");
    expect(codes({ train: 50 })).toContain("ok:enough_examples");
    const tiny = readiness({ ...healthy, train: 9 });
    expect(tiny.find((i) => i.code === "too_few_examples")).toMatchObject({ level: "error", message: expect.stringContaining("fewer than 10; add 1 more") });
    expect(codes({ train: 10 })).toContain("warning:few_examples");
  });

  it("flags no validation split, errors, over-limit, duplicates and leakage — and only when present", () => {
    expect(codes({ validation: 0 })).toContain("warning:no_validation_split");
    expect(codes({ withErrors: 3 })).toContain("error:examples_with_errors");
    expect(codes({ overLimit: 2 })).toContain("warning:over_token_limit");
    expect(readiness({ ...healthy, exactDuplicates: 2, nearDuplicates: 1 }).find((i) => i.code === "duplicates")!.message).toMatch(/^2 exact and 1 near duplicates/);
    expect(codes({ leaked: 1 })).toContain("warning:split_leakage");
    for (const code of ["no_validation_split", "examples_with_errors", "over_token_limit", "duplicates", "split_leakage", "tag_dominates"]) {
      expect(codes({}).some((c) => c.endsWith(`:${code}`))).toBe(false);
    }
  });

  it("warns when 90 % of examples share one tag, not at 89 %", () => {
    const dominated = readiness({ ...healthy, examples: 100, topTag: { tag: "billing", count: 90 } });
    expect(dominated.find((i) => i.code === "tag_dominates")!.message).toBe("90 % of examples share one tag (“billing”): the model will mostly learn that; add examples of the other cases.");
    expect(codes({ examples: 100, topTag: { tag: "billing", count: 89 } })).not.toContain("warning:tag_dominates");
    expect(codes({ topTag: null })).not.toContain("warning:tag_dominates");
  });

  it("reports counting in progress and a failed analysis", () => {
    expect(readiness({ ...healthy, analysisPending: true, counted: 41_000, examples: 100_000 })[0]).toMatchObject({ level: "warning", code: "counting_pending", message: expect.stringContaining("41,000 of 100,000") });
    expect(codes({ analysisError: "Analysis of revision 3 failed: boom" })[0]).toBe("error:analysis_failed");
    expect(codes({ examples: 0 })).toEqual(["error:empty"]);
  });
});

describe("trainingPriceFor", () => {
  const prices = [
    { model: "gpt-4o-mini-2024-07-18", trainingPerMTok: 3 },
    { model: "gpt-3.5-turbo-0125", trainingPerMTok: 8 },
  ];
  it("matches the exact name, the family, and ft: names; not local models", () => {
    expect(trainingPriceFor(prices, "gpt-4o-mini-2024-07-18")).toEqual({ model: "gpt-4o-mini-2024-07-18", usdPerMTok: 3 });
    expect(trainingPriceFor(prices, "gpt-4o-mini")?.usdPerMTok).toBe(3);
    expect(trainingPriceFor(prices, "ft:gpt-3.5-turbo-0613:acme::x1")?.usdPerMTok).toBe(8);
    expect(trainingPriceFor(prices, "local:qwen")).toBeNull();
    expect(trainingPriceFor(prices, "gpt-4.1-2025-04-14")).toBeNull();
  });
});
