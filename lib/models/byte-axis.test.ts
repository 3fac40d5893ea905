import { describe, expect, it } from "vitest";
import { byteAxis } from "./byte-axis";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe("byteAxis", () => {
  it("counts a run that holds about 3.5 MiB from zero in whole MiB, each label different", () => {
    const axis = byteAxis(3.52 * MiB);
    expect(axis.ticks).toEqual([0, 1, 2, 3, 4].map((n) => n * MiB));
    expect(axis.ticks.map(axis.format)).toEqual(["0", "1 MiB", "2 MiB", "3 MiB", "4 MiB"]);
  });

  it("steps by 1, 2, 2.5 or 5 times a power of ten of the unit, with the decimals the step needs", () => {
    const big = byteAxis(19.3 * GiB);
    expect(big.ticks.map(big.format)).toEqual(["0", "5 GiB", "10 GiB", "15 GiB", "20 GiB"]);
    const small = byteAxis(1.3 * GiB);
    expect(small.ticks.map(small.format)).toEqual(["0", "0.5 GiB", "1.0 GiB", "1.5 GiB"]);
    const estimate = byteAxis(93.9 * MiB);
    expect(estimate.ticks.map(estimate.format)).toEqual(["0", "25 MiB", "50 MiB", "75 MiB", "100 MiB"]);
    const quarter = byteAxis(0.9 * GiB + 3.5 * MiB);
    expect(quarter.ticks.map(quarter.format)).toEqual(["0", "250 MiB", "500 MiB", "750 MiB", "1000 MiB"]);
    const tenths = byteAxis(3.3 * GiB);
    expect(tenths.ticks.map(tenths.format)).toEqual(["0", "1 GiB", "2 GiB", "3 GiB", "4 GiB"]);
    const kib = byteAxis(700 * 1024);
    expect(kib.ticks.map(kib.format)).toEqual(["0", "200 KiB", "400 KiB", "600 KiB", "800 KiB"]);
  });

  it("ends at or above the largest value, with at most maxTicks ticks", () => {
    for (const max of [1, 7, 1000, 1023, 1024, 1025, 3 * MiB, 5 * MiB + 1, 80 * GiB, 141 * GiB]) {
      const { ticks } = byteAxis(max);
      expect(ticks[0]).toBe(0);
      expect(ticks.at(-1)!).toBeGreaterThanOrEqual(max);
      expect(ticks.length).toBeLessThanOrEqual(5);
      expect(new Set(ticks.map(byteAxis(max).format)).size).toBe(ticks.length);
    }
  });

  it("has only zero for nothing measured", () => {
    expect(byteAxis(0).ticks).toEqual([0]);
    expect(byteAxis(Number.NaN).ticks).toEqual([0]);
  });
});
