import { describe, expect, it } from "vitest";
import { escapeLike, orderBySql, whereSql } from "./sql";

describe("escapeLike", () => {
  it("escapes LIKE wildcards and the escape character itself", () => {
    expect(escapeLike("50%_off\\now")).toBe("50\\%\\_off\\\\now");
    expect(escapeLike("plain text")).toBe("plain text");
  });
});

describe("whereSql", () => {
  it("always scopes to the dataset and binds every user value as a parameter", () => {
    const sql = whereSql("ds1", { split: "test", tag: "x'; drop table examples; --", code: "exact_duplicate", minTokens: 5, maxTokens: 9, q: "refund 50%" });
    expect(sql.text).not.toContain("drop table");
    expect(sql.text).not.toContain("refund");
    expect(sql.values).toEqual(["ds1", "test", "x'; drop table examples; --", "exact_duplicate", 5, 9, "%refund%", "%50\\%%"]);
    expect(sql.text).toMatch(/^WHERE e\.dataset_id = \$1 AND /);
  });

  it("turns a 1–2 character word into strpos (never a trigram ILIKE) and lower-cases it", () => {
    const sql = whereSql("ds1", { q: "Refund OK" });
    expect(sql.text).toContain("EXISTS (SELECT 1 FROM example_search s WHERE s.example_id = e.id AND s.text ILIKE $2 AND strpos(lower(s.text), $3) > 0)");
    expect(sql.values).toEqual(["ds1", "%Refund%", "ok"]);
  });

  it("maps status and duplicates to their columns", () => {
    expect(whereSql("d", { status: "errors" }).text).toContain("e.error_count > 0");
    expect(whereSql("d", { status: "warnings" }).text).toContain("e.warning_count > 0");
    expect(whereSql("d", { status: "clean" }).text).toContain("e.error_count = 0 AND e.warning_count = 0");
    const dup = whereSql("d", { duplicates: true });
    expect(dup.text).toContain("e.issue_codes && $2::text[]");
    expect(dup.values).toEqual(["d", ["exact_duplicate", "near_duplicate"]]);
  });
});

describe("orderBySql", () => {
  it("orders by the key, then position, then id, all one way (a total order one index can walk)", () => {
    expect(orderBySql("position", "asc").sql).toBe("ORDER BY e.position ASC, e.id ASC");
    expect(orderBySql("tokens", "desc").sql).toBe("ORDER BY e.token_count DESC, e.position DESC, e.id DESC");
    expect(orderBySql("issues", "asc").sql).toBe("ORDER BY e.error_count ASC, e.warning_count ASC, e.position ASC, e.id ASC");
  });
});
