import { describe, expect, it } from "vitest";
import { z } from "zod";
import { examplesQueryParamsSchema, searchWords } from "./params";

const parse = (params: Record<string, string>) => examplesQueryParamsSchema.parse(params);
const problems = (params: Record<string, string>) => {
  const r = examplesQueryParamsSchema.safeParse(params);
  if (r.success) throw new Error("expected a validation error");
  return r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("examples query params", () => {
  it("defaults to the first 50 rows by position", () => {
    expect(parse({})).toEqual({ offset: 0, limit: 50, sort: "position", dir: "asc", filters: {} });
  });

  it("reads every filter from strings, and empty params (cleared selects) mean no filter", () => {
    expect(
      parse({ offset: "100", limit: "20", sort: "tokens", dir: "desc", split: "test", tag: " billing ", code: "exact_duplicate", status: "errors", duplicates: "true", minTokens: "10", maxTokens: "900", q: "  refund policy " }),
    ).toEqual({
      offset: 100,
      limit: 20,
      sort: "tokens",
      dir: "desc",
      filters: { split: "test", tag: "billing", code: "exact_duplicate", status: "errors", duplicates: true, minTokens: 10, maxTokens: 900, q: "refund policy" },
    });
    expect(parse({ split: "", tag: "", code: "", status: "", minTokens: "", maxTokens: "", q: "", duplicates: "false", sort: "", dir: "" })).toEqual(parse({}));
  });

  it("names the field and what to do for each bad value", () => {
    expect(problems({ limit: "500" })).toEqual(["limit: must be at most 200"]);
    expect(problems({ offset: "-1" })).toEqual(["offset: must be 0 or more"]);
    expect(problems({ offset: "abc" })).toEqual(["offset: must be a number"]);
    expect(problems({ sort: "name" })).toEqual(["sort: must be one of position, tokens, prompt, reply, messages, issues, split, updated"]);
    expect(problems({ dir: "up" })).toEqual(["dir: must be asc or desc"]);
    expect(problems({ split: "dev" })).toEqual(["split: must be train, validation or test"]);
    expect(problems({ code: "nope" })[0]).toMatch(/^code: must be a known issue code/);
    expect(problems({ status: "bad" })).toEqual(["status: must be errors, warnings or clean"]);
    expect(problems({ duplicates: "yes" })).toEqual(["duplicates: must be true or false"]);
    expect(problems({ minTokens: "1.5" })).toEqual(["minTokens: must be a whole number of tokens"]);
    expect(problems({ minTokens: "100", maxTokens: "10" })).toEqual(["maxTokens: must be at least minTokens"]);
  });

  it("a search needs one word of three characters (the trigram index cannot use shorter ones)", () => {
    expect(problems({ q: "ab" })).toEqual(["q: type at least 3 characters in one word to search"]);
    expect(problems({ q: "a b c" })).toHaveLength(1);
    expect(parse({ q: "ab cde" }).filters.q).toBe("ab cde");
  });

  it("splits search text into words on any whitespace", () => {
    expect(searchWords("  refund \t policy\nnow ")).toEqual(["refund", "policy", "now"]);
    expect(searchWords("   ")).toEqual([]);
  });

  it("is a zod schema the route wrapper can report on", () => {
    expect(examplesQueryParamsSchema).toBeInstanceOf(z.ZodType);
  });
});
