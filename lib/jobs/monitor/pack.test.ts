import { describe, expect, it } from "vitest";
import { asTransported, packPoints, unpackPoints } from "./pack";
import { point } from "./testing-points";

describe("packPoints", () => {
  it("round-trips: integers and short decimals exactly, long fractions at 7 significant digits; all-null fields left out", () => {
    const points = [
      point(1, { trainLoss: 2.123456789012345, epoch: 0.01, totalSteps: 100 }),
      point(2, { trainLoss: 1.9, validLoss: 2.5, epoch: 0.02, totalSteps: 100, memoryBytes: 12_345_678_901 }),
      point(3, { trainLoss: null, fullValidLoss: 0.5, epoch: 0.03, totalSteps: 100 }),
    ];
    const packed = packPoints(points);
    expect(Object.keys(packed.columns).sort()).toEqual(["epoch", "fullValidLoss", "memoryBytes", "totalSteps", "trainLoss", "validLoss"]);
    const back = unpackPoints(packed);
    expect(back).toEqual(points.map(asTransported));
    expect(back[0]!.trainLoss).toBe(2.123457);
    expect(back[1]!.memoryBytes).toBe(12_345_678_901);
    expect(back[1]!.trainLoss).toBe(1.9);
    expect(back.map((p) => p.at)).toEqual(points.map((p) => p.at));
    expect(unpackPoints(packPoints([]))).toEqual([]);
  });

  it("stores sparse fields as offsets and values, constant fields once, and keeps gaps in steps", () => {
    const points = Array.from({ length: 40 }, (_, i) =>
      point(i * 2 + 5, { trainLoss: 1 / (i + 1), totalSteps: 200, validLoss: i % 10 === 9 ? 3 - i / 100 : null, fullValidLoss: i === 39 ? 0.75 : null }),
    );
    const packed = packPoints(points);
    expect(packed.columns.totalSteps).toEqual({ all: 200 });
    expect(packed.columns.validLoss).toEqual({ i: [9, 10, 10, 10], v: [2.91, 2.81, 2.71, 2.61] });
    expect(packed.columns.fullValidLoss).toEqual({ i: [39], v: 0.75 });
    expect(packed.step.slice(0, 3)).toEqual([5, 2, 2]);
    expect(unpackPoints(packed)).toEqual(points.map(asTransported));
  });

  it("keeps a field present on half the rows dense, nulls included", () => {
    const points = [point(1, { gradNorm: 0.5 }), point(2), point(3, { gradNorm: 0.25 }), point(4)];
    expect(packPoints(points).columns.gradNorm).toEqual([0.5, null, 0.25, null]);
    expect(unpackPoints(packPoints(points))).toEqual(points);
  });

  it("is several times smaller than the objects as JSON", () => {
    const points = Array.from({ length: 1000 }, (_, i) =>
      point(i + 1, { trainLoss: 2 / Math.sqrt(i + 1), trainAccuracy: 0.5 + i / 4000, validLoss: i % 10 === 0 ? 2.2 / Math.sqrt(i + 1) : null, totalSteps: 1000, epoch: (i + 1) / 250 }),
    );
    expect(JSON.stringify(packPoints(points)).length).toBeLessThan(JSON.stringify(points).length / 6);
  });
});
