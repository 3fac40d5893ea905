import { describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { flatValueAxis } from "./value-axis";

// recharts' own tick rule (its CommonJS build ships no declarations; the types live apart).
const { getNiceTickValues } = createRequire(import.meta.url)("recharts/lib/util/scale/getNiceTickValues.js") as typeof import("recharts/types/util/scale/getNiceTickValues");

describe("flatValueAxis", () => {
  it("leaves a series that moves to recharts' own range", () => {
    expect(flatValueAxis([0.69, 1.2, 0.4])).toBeNull();
    expect(flatValueAxis([0.6931, 0.6932])).toBeNull();
    expect(flatValueAxis([])).toBeNull();
    expect(flatValueAxis([Number.NaN, Number.POSITIVE_INFINITY])).toBeNull();
  });

  it("gives a DPO run's first steps (ln 2, smoothed to within an ulp) distinct round ticks around the value", () => {
    // What recharts' nice ticks make of a range one ulp wide: repeated values, hence repeated React keys.
    const ln2 = Math.log(2);
    const ulpApart = [ln2, ln2 + Number.EPSILON / 2];
    const nice = getNiceTickValues([Math.min(...ulpApart), Math.max(...ulpApart)], 5, true, "adaptive");
    expect(new Set(nice).size).toBeLessThan(nice.length);

    const axis = flatValueAxis(ulpApart)!;
    expect(axis.ticks).toEqual([0.6, 0.7, 0.8]);
    expect(axis.domain).toEqual([0.6, 0.8]);
    expect(new Set(axis.ticks).size).toBe(axis.ticks.length);
  });

  it("centres a zero (a DPO margin's first step), a negative value and a large one", () => {
    expect(flatValueAxis([0, 0])).toEqual({ domain: [-1, 1], ticks: [-1, 0, 1] });
    expect(flatValueAxis([-0.3])).toEqual({ domain: [-0.3, -0.1], ticks: [-0.3, -0.2, -0.1] });
    expect(flatValueAxis([5.6e6, 5.6e6])).toEqual({ domain: [5e6, 7e6], ticks: [5e6, 6e6, 7e6] });
    expect(flatValueAxis([2e-4])).toEqual({ domain: [2e-4, 4e-4], ticks: [2e-4, 3e-4, 4e-4] });
    for (const v of [0.6931, -0.3, 5.6e6, 2e-4, 1, 9.99]) {
      const a = flatValueAxis([v])!;
      expect(a.domain[0]).toBeLessThanOrEqual(v);
      expect(a.domain[1]).toBeGreaterThanOrEqual(v);
    }
  });

  it("on a log scale spans the decade that holds the value", () => {
    expect(flatValueAxis([0.6931, 0.6931], { logScale: true })).toEqual({ domain: [0.1, 1], ticks: [0.1, 1] });
  });
});
