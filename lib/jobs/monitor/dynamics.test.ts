import { describe, expect, it } from "vitest";
import { dynamicsSeries, hasAccuracy } from "./dynamics";
import { point } from "./testing-points";

describe("dynamicsSeries", () => {
  it("gives one series per reported field, with its latest value, and none for fields no point has", () => {
    const points = [
      point(1, { trainLoss: 2, learningRate: 1e-4, gradNorm: 3.5, memoryBytes: 1_000 }),
      point(2, { trainLoss: 1.8, learningRate: 2e-4, gradNorm: Number.NaN, memoryBytes: 1_200 }),
      point(3, { trainLoss: 1.7, learningRate: 1.5e-4, gradNorm: 1.25, memoryBytes: 1_100 }),
    ];
    const series = dynamicsSeries(points);
    expect(series.map((s) => s.field)).toEqual(["learningRate", "gradNorm", "memoryBytes"]);
    expect(series[0]).toEqual({ field: "learningRate", latest: 1.5e-4, points: [{ step: 1, value: 1e-4 }, { step: 2, value: 2e-4 }, { step: 3, value: 1.5e-4 }] });
    // A non-finite gradient norm (a diverged step) is left out of the line, not drawn as 0.
    expect(series[1]!.points.map((p) => p.step)).toEqual([1, 3]);
    expect(dynamicsSeries([point(1, { trainLoss: 2, trainAccuracy: 0.5 })])).toEqual([]);
  });

  it("thins long series for drawing but keeps the first, last and extreme values", () => {
    const points = Array.from({ length: 5000 }, (_, i) => point(i + 1, { gradNorm: i === 2500 ? 99 : 1 + (i % 7) / 10 }));
    const [s] = dynamicsSeries(points, 200);
    // About maxPoints: each bucket keeps its minimum, maximum and first point (downsampleExtremes).
    expect(s!.points.length).toBeLessThanOrEqual(300);
    expect(s!.points[0]!.step).toBe(1);
    expect(s!.points.at(-1)!.step).toBe(5000);
    expect(s!.points.some((p) => p.value === 99)).toBe(true);
  });
});

describe("hasAccuracy", () => {
  it("is true when any point carries a token accuracy", () => {
    expect(hasAccuracy([point(1, { trainLoss: 1 }), point(2, { validAccuracy: 0.4 })])).toBe(true);
    expect(hasAccuracy([point(1, { trainLoss: 1, learningRate: 1e-4 })])).toBe(false);
  });
});
