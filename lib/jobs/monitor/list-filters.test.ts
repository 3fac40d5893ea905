import { describe, expect, it } from "vitest";
import { jobListQuery, parseCompareIds, parseJobListFilters } from "./list-filters";

describe("jobs list filters in the URL", () => {
  it("parses statuses (comma list or repeated), provider, model text and dataset, dropping unknown values", () => {
    expect(parseJobListFilters({ status: ["running,failed", "bogus"], provider: "openai", model: " mini ", dataset: "ds1" })).toEqual({
      status: ["running", "failed"],
      provider: "openai",
      model: "mini",
      datasetId: "ds1",
    });
    expect(parseJobListFilters({ provider: "azure" })).toEqual({});
  });
  it("keeps a page's cursor and drops one the list cannot have written", () => {
    expect(parseJobListFilters({ before: "1796280570123_cmx770hou" })).toEqual({ before: "1796280570123_cmx770hou" });
    expect(parseJobListFilters({ before: "page-2" })).toEqual({});
  });
  it("round-trips through the query string", () => {
    const f = { status: ["succeeded" as const], provider: "local" as const, model: "llama", datasetId: "x", before: "1796280570123_cmx770hou" };
    expect(parseJobListFilters(Object.fromEntries(new URLSearchParams(jobListQuery(f).slice(1))))).toEqual(f);
    expect(jobListQuery({})).toBe("");
  });
  it("reads compare ids once each", () => {
    expect(parseCompareIds("a,b,a, c")).toEqual(["a", "b", "c"]);
    expect(parseCompareIds(undefined)).toEqual([]);
  });
});
