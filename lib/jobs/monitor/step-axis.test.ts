import { describe, expect, it } from "vitest";
import { stepAxis } from "./step-axis";

describe("stepAxis", () => {
  it("ends at a round step at or past the last one, in at most four whole-step intervals", () => {
    expect(stepAxis(42)).toEqual({ end: 50, ticks: [0, 25, 50] });
    expect(stepAxis(400)).toEqual({ end: 400, ticks: [0, 100, 200, 300, 400] });
    expect(stepAxis(401)).toEqual({ end: 500, ticks: [0, 250, 500] });
    expect(stepAxis(6000)).toEqual({ end: 6000, ticks: [0, 2000, 4000, 6000] });
    expect(stepAxis(804)).toEqual({ end: 1000, ticks: [0, 250, 500, 750, 1000] });
  });

  it("never ends before the last step, and has whole ticks even for the first steps", () => {
    for (let last = 0; last <= 3000; last += 7) {
      const { end, ticks } = stepAxis(last);
      expect(end).toBeGreaterThanOrEqual(last);
      expect(ticks.length).toBeLessThanOrEqual(5);
      expect(ticks.every(Number.isInteger)).toBe(true);
      expect(ticks.at(-1)).toBe(end);
    }
    expect(stepAxis(0)).toEqual({ end: 1, ticks: [0, 1] });
    expect(stepAxis(3)).toEqual({ end: 3, ticks: [0, 1, 2, 3] });
  });
});
