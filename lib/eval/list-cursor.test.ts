import { describe, expect, it } from "vitest";
import { evalCursorAfter, parseEvalCursor } from "./list-cursor";

describe("evaluations list cursors", () => {
  it("round-trip a run's key, with or without a checkpoint step", () => {
    const createdAt = new Date("2026-12-03T06:49:30.123Z");
    expect(evalCursorAfter({ createdAt, checkpointStep: 480, id: "cmx77a" })).toBe("1796280570123_480_cmx77a");
    expect(parseEvalCursor("1796280570123_480_cmx77a")).toEqual({ createdAt, step: 480, id: "cmx77a" });
    expect(parseEvalCursor(evalCursorAfter({ createdAt, checkpointStep: null, id: "cmx77b" }))).toEqual({ createdAt, step: null, id: "cmx77b" });
  });

  it("refuse what evalCursorAfter cannot have written", () => {
    for (const bad of ["", "page-2", "1796280570123_cmx77a", "1796280570123_x_cmx77a", "1796280570123_-1_cmx77a", "1796280570123_n_", "1796280570123_1_a b"])
      expect(parseEvalCursor(bad), bad).toBeNull();
  });
});
