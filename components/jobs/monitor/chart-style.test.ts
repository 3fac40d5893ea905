import { describe, expect, it } from "vitest";
import { formatFigure } from "./chart-style";

describe("formatFigure", () => {
  it("prints loss and accuracy ticks at a readable precision, and zero as 0 (not 0.0 under 2.00)", () => {
    expect([0, 2, 0.47, 0.0031, 123.4].map(formatFigure)).toEqual(["0", "2.00", "0.47", "0.0031", "123"]);
  });
});
