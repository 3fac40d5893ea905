import { describe, expect, it } from "vitest";
import { ACCURACY_DOMAIN, formatFigure, seriesValues, valueAxisRange } from "./chart-style";

describe("formatFigure", () => {
  it("prints loss and accuracy ticks at a readable precision, and zero as 0 (not 0.0 under 2.00)", () => {
    expect([0, 2, 0.47, 0.0031, 123.4].map(formatFigure)).toEqual(["0", "2.00", "0.47", "0.0031", "123"]);
  });
});

describe("value axes", () => {
  it("starts accuracy a tenth below its lowest value, and below 1 when every value is 1", () => {
    const bottom = ACCURACY_DOMAIN[0];
    expect([0, 0.55, 0.97, 1].map(bottom)).toEqual([0, 0.5, 0.9, 0.9]);
  });

  it("keeps recharts' range for a moving series (or the one given), and fixes one for a flat series", () => {
    expect(valueAxisRange([1, 2])).toEqual({ domain: ["auto", "auto"] });
    expect(valueAxisRange([0, 5, 9], { auto: [0, "auto"] })).toEqual({ domain: [0, "auto"] });
    // A constant learning rate.
    expect(valueAxisRange([2e-4, 2e-4, 2e-4])).toEqual({ domain: [2e-4, 4e-4], ticks: [2e-4, 3e-4, 4e-4] });
  });

  it("reads every drawn value of a chart's series: raw and smoothed lines, and the markers", () => {
    const series = { train: [{ raw: 1, smooth: 2 }], valid: [{ raw: 3, smooth: 4 }], fullValid: [{ raw: 5 }] };
    expect([...seriesValues(series)]).toEqual([1, 2, 3, 4, 5]);
  });
});
