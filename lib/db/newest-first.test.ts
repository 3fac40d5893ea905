import { describe, expect, it } from "vitest";
import { cursorAfter, parseCursor } from "./newest-first";

describe("newest-first cursors", () => {
  it("round-trip a row's key to the millisecond", () => {
    const key = { createdAt: new Date("2026-12-03T06:49:30.123Z"), id: "cmx770hou0002az7dvx77ulzd" };
    expect(cursorAfter(key)).toBe("1796280570123_cmx770hou0002az7dvx77ulzd");
    expect(parseCursor(cursorAfter(key))).toEqual(key);
  });

  it("refuse what cursorAfter cannot have written", () => {
    for (const bad of ["", "abc", "123", "_id", "12x_id", "1796280570123_", "1796280570123_a b", "1796280570123_a'--", `1_${"a".repeat(65)}`, "9999999999999999_a"])
      expect(parseCursor(bad), bad).toBeNull();
  });
});
