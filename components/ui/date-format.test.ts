import { describe, expect, it } from "vitest";
import { dateTimeParts } from "./date-format";

const at = (iso: string) => new Date(iso);
const fixed = { locale: "en-US", timeZone: "UTC", now: at("2026-12-01T07:00:00Z") };

describe("dateTimeParts", () => {
  it("gives the date with its year and the time by default", () => {
    expect(dateTimeParts(at("2026-12-01T06:25:00Z"), fixed)).toEqual(["Dec 1, 2026", "6:25 AM"]);
  });

  it("drops the year of a date in the current year when compact", () => {
    expect(dateTimeParts(at("2026-12-01T06:25:00Z"), { ...fixed, compact: true })).toEqual(["Dec 1", "6:25 AM"]);
    expect(dateTimeParts(at("2026-01-01T00:00:00Z"), { ...fixed, compact: true })).toEqual(["Jan 1", "12:00 AM"]);
  });

  it("keeps the year of another year's date when compact", () => {
    expect(dateTimeParts(at("2025-12-31T23:59:00Z"), { ...fixed, compact: true })).toEqual(["Dec 31, 2025", "11:59 PM"]);
  });

  it("decides the year in the viewer's time zone, not UTC", () => {
    // 2026-01-01 03:00 UTC is still 2025 in New York: another year there, so the year stays.
    const ny = { locale: "en-US", timeZone: "America/New_York", now: at("2026-06-01T12:00:00Z"), compact: true };
    expect(dateTimeParts(at("2026-01-01T03:00:00Z"), ny)).toEqual(["Dec 31, 2025", "10:00 PM"]);
  });
});
