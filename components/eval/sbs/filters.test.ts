import { describe, expect, it } from "vitest";
import type { EvalSampleView, SampleMetrics } from "@/lib/eval/types";
import { DEFAULT_FILTERS, allTags, lastUserMessage, metricDelta, visibleRows } from "./filters";

const metrics = (exactMatch: number): SampleMetrics => ({
  exactMatch, normalizedMatch: exactMatch, jsonValid: 1, rougeL: exactMatch, tokenF1: exactMatch, lengthRatio: 1, latencyMs: 10, promptTokens: 5, completionTokens: 5, costUsd: 0,
});

function sample(index: number, over: Partial<EvalSampleView> = {}): EvalSampleView {
  return {
    index, prompt: [{ role: "system", content: "s" }, { role: "user", content: `q${index}` }], tools: null, expected: "a", tags: [],
    baselineOutput: "a", candidateOutput: "a", baselineMetrics: metrics(0), candidateMetrics: metrics(1), baselineError: null, candidateError: null,
    judgeForward: null, judgeSwapped: null, judgePointwise: null, judgeError: null, verdict: "candidate", humanVerdict: null, ...over,
  };
}

const rows = [
  sample(0, { tags: ["format"] }),
  sample(1, { verdict: "baseline", candidateMetrics: metrics(0), baselineMetrics: metrics(1), tags: ["refunds"] }),
  sample(2, { verdict: "tie", candidateMetrics: metrics(0), tags: ["refunds", "format"] }),
  sample(3, { verdict: "candidate", humanVerdict: "baseline", candidateMetrics: metrics(0) }),
  sample(4, { verdict: null, candidateMetrics: null, candidateError: "timeout after 3 tries" }),
];

describe("visibleRows", () => {
  it("filters on the verdict a person set over the judge's", () => {
    expect(visibleRows(rows, { ...DEFAULT_FILTERS, verdict: "losses" })).toEqual([1, 3]);
    expect(visibleRows(rows, { ...DEFAULT_FILTERS, verdict: "wins" })).toEqual([0]);
    expect(visibleRows(rows, { ...DEFAULT_FILTERS, verdict: "unjudged" })).toEqual([4]);
  });

  it("filters on tag, errors and a metric threshold (rows without the metric drop out)", () => {
    expect(visibleRows(rows, { ...DEFAULT_FILTERS, tag: "refunds" })).toEqual([1, 2]);
    expect(visibleRows(rows, { ...DEFAULT_FILTERS, errorsOnly: true })).toEqual([4]);
    expect(visibleRows(rows, { ...DEFAULT_FILTERS, threshold: { metric: "exactMatch", side: "candidate", op: "<=", value: 0 } })).toEqual([1, 2, 3]);
  });

  it("sorts by delta, worst first, index breaking ties and rows without a delta last", () => {
    expect(metricDelta(rows[1]!, "exactMatch")).toBe(-1);
    expect(visibleRows(rows, { ...DEFAULT_FILTERS, sort: "delta-asc" })).toEqual([1, 2, 3, 0, 4]);
    expect(visibleRows(rows, { ...DEFAULT_FILTERS, sort: "delta-desc" })).toEqual([0, 2, 3, 1, 4]);
  });
});

describe("row helpers", () => {
  it("lists tags once, sorted, and shows the last user message", () => {
    expect(allTags(rows)).toEqual(["format", "refunds"]);
    expect(lastUserMessage(rows[2]!)).toBe("q2");
  });
});
