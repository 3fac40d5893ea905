import { describe, expect, it } from "vitest";
import { searchable } from "./ExamplesToolbar";
import { apiQuery, hasFilters, readTableState } from "./url-state";

describe("table URL state", () => {
  it("reads only the table's params, leaving tab and example to the workspace", () => {
    const state = readTableState(new URLSearchParams("tab=examples&example=abc&q=refund&split=test&sort=tokens&dir=desc&unknown=1&tag="));
    expect(state).toEqual({ q: "refund", split: "test", sort: "tokens", dir: "desc" });
  });

  it("builds the same API query for the same state whatever the URL order", () => {
    const a = apiQuery(readTableState(new URLSearchParams("split=test&q=x y z")), { offset: 50, limit: 50 });
    const b = apiQuery(readTableState(new URLSearchParams("q=x y z&split=test")), { offset: 50, limit: 50 });
    expect(a).toBe(b);
    expect(a).toBe("q=x+y+z&split=test&offset=50&limit=50");
  });

  it("knows when any filter (not the sort) is set", () => {
    expect(hasFilters({ sort: "tokens", dir: "desc" })).toBe(false);
    expect(hasFilters({ duplicates: "true" })).toBe(true);
    expect(hasFilters({ minTokens: "5" })).toBe(true);
  });

  it("sends a search only once a word has three characters", () => {
    expect(searchable("")).toBe(true);
    expect(searchable("ab")).toBe(false);
    expect(searchable("ab c")).toBe(false);
    expect(searchable("ab cde")).toBe(true);
  });
});
