import { describe, expect, it } from "vitest";
import { packPoints, unpackPoints } from "./pack";
import { point } from "./testing-points";

describe("packPoints", () => {
  it("round-trips exactly and leaves all-null fields out", () => {
    const points = [
      point(1, { trainLoss: 2.123456789012345, epoch: 0.01, totalSteps: 100 }),
      point(2, { trainLoss: 1.9, validLoss: 2.5, epoch: 0.02, totalSteps: 100, memoryBytes: 12_345_678_901 }),
      point(3, { trainLoss: null, fullValidLoss: 0.5, epoch: 0.03, totalSteps: 100 }),
    ];
    const packed = packPoints(points);
    expect(Object.keys(packed.columns).sort()).toEqual(["epoch", "fullValidLoss", "memoryBytes", "totalSteps", "trainLoss", "validLoss"]);
    expect(unpackPoints(packed)).toEqual(points);
    expect(unpackPoints(packPoints([]))).toEqual([]);
  });
  it("is much smaller than the objects as JSON", () => {
    const points = Array.from({ length: 1000 }, (_, i) => point(i, { trainLoss: 1 / (i + 1), trainAccuracy: 0.5, totalSteps: 1000, epoch: i / 1000 }));
    expect(JSON.stringify(packPoints(points)).length).toBeLessThan(JSON.stringify(points).length / 2.5);
  });
});
