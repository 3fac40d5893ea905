import { describe, expect, it } from "vitest";
import { daysUntilOpenAIShutdown } from "./wind-down";

describe("daysUntilOpenAIShutdown", () => {
  it("counts whole days left, rounding up", () => {
    expect(daysUntilOpenAIShutdown(new Date("2026-11-29T00:00:00Z"))).toBe(38);
    expect(daysUntilOpenAIShutdown(new Date("2026-11-29T15:30:00Z"))).toBe(38);
    expect(daysUntilOpenAIShutdown(new Date("2027-01-05T23:00:00Z"))).toBe(1);
  });

  it("is zero on and after the shutdown day", () => {
    expect(daysUntilOpenAIShutdown(new Date("2027-01-06T00:00:00Z"))).toBe(0);
    expect(daysUntilOpenAIShutdown(new Date("2027-03-01T00:00:00Z"))).toBe(0);
  });
});
