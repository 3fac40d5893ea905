import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../db/client";
import { HttpError } from "../../http/errors";
import { newExampleRow } from "../rows/build";
import { fillSearchIndex } from "../rows/search-index";
import { getFacets } from "./facets";
import { createQueryFixture, type FixtureRow } from "./fixture";
import { listExamples } from "./list";
import type { ExampleFilters, SortDir, SortKey } from "./params";
import { SEARCH_COUNT_CAP } from "./count";
import { clearMatchLists, DEEP_SEARCH_OFFSET } from "./match-cache";

const db = createPrismaClient();
const datasetIds: string[] = [];
let datasetId: string;
let rows: FixtureRow[];

beforeAll(async () => {
  ({ datasetId, rows } = await createQueryFixture(db, `query-${Date.now()}-${Math.random()}`));
  datasetIds.push(datasetId);
});
afterAll(async () => {
  await db.dataset.deleteMany({ where: { id: { in: datasetIds } } });
  await db.$disconnect();
});

const positions = (xs: { position: number }[]) => xs.map((r) => r.position);
const all = async (opts: { sort?: SortKey; dir?: SortDir; filters?: ExampleFilters }) => listExamples({ datasetId, db, limit: 200, ...opts });

const SPLIT_ORDER = { train: 0, validation: 1, test: 2 };
// Expected sort keys, as SQL compares them (NULL tokens sort as largest).
const KEY: Record<SortKey, (r: FixtureRow) => (number | string)[]> = {
  position: () => [],
  tokens: (r) => [r.tokenCount ?? Number.MAX_SAFE_INTEGER],
  prompt: (r) => [r.promptPreview],
  reply: (r) => [r.replyPreview],
  messages: (r) => [r.messageCount],
  issues: (r) => [r.errorCount, r.warningCount],
  split: (r) => [SPLIT_ORDER[r.split]],
  updated: (r) => [r.updatedAt.getTime()],
};

function expectedOrder(sort: SortKey, dir: SortDir, subset = rows): number[] {
  const cmp = (a: FixtureRow, b: FixtureRow) => {
    const ka = [...KEY[sort](a), a.position];
    const kb = [...KEY[sort](b), b.position];
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
    return 0;
  };
  const sorted = [...subset].sort(cmp);
  return positions(dir === "desc" ? sorted.reverse() : sorted);
}

describe("listExamples sorting", () => {
  for (const sort of ["position", "tokens", "prompt", "reply", "messages", "issues", "split", "updated"] as const) {
    for (const dir of ["asc", "desc"] as const) {
      it(`sorts by ${sort} ${dir}, ties by position`, async () => {
        const page = await all({ sort, dir });
        expect(page.total).toBe(30);
        expect(page.totalExact).toBe(true);
        expect(positions(page.rows)).toEqual(expectedOrder(sort, dir));
      });
    }
  }

  it("returns the table's columns, not the messages", async () => {
    const page = await listExamples({ datasetId, db, limit: 1 });
    const r = rows[0]!;
    expect(page.rows[0]).toEqual({
      id: r.id,
      position: 0,
      kind: "chat",
      split: "train",
      splitManual: false,
      tags: ["billing", "urgent"],
      tokenCount: 10,
      assistantTokens: null,
      messageCount: 4,
      promptPreview: r.promptPreview,
      replyPreview: r.replyPreview,
      issueCodes: [],
      errorCount: 0,
      warningCount: 0,
    });
  });
});

describe("listExamples pagination", () => {
  it("pages are disjoint and together give the whole ordered list, with the same total on each", async () => {
    for (const [sort, dir] of [["position", "asc"], ["tokens", "desc"], ["split", "asc"]] as const) {
      const seen: number[] = [];
      for (let offset = 0; offset < 30; offset += 7) {
        const page = await listExamples({ datasetId, db, sort, dir, offset, limit: 7 });
        expect(page.total).toBe(30);
        expect(page.offset).toBe(offset);
        expect(page.limit).toBe(7);
        seen.push(...positions(page.rows));
      }
      expect(seen).toEqual(expectedOrder(sort, dir));
    }
  });

  it("an offset past the end gives no rows and the full total", async () => {
    const page = await listExamples({ datasetId, db, offset: 500 });
    expect(page.rows).toEqual([]);
    expect(page.total).toBe(30);
  });
});

describe("listExamples filters", () => {
  const cases: [string, ExampleFilters, (r: FixtureRow) => boolean][] = [
    ["split=validation", { split: "validation" }, (r) => r.split === "validation"],
    ["split=test", { split: "test" }, (r) => r.split === "test"],
    ["tag=billing", { tag: "billing" }, (r) => r.tags.includes("billing")],
    ["tag=urgent + split=train", { tag: "urgent", split: "train" }, (r) => r.tags.includes("urgent") && r.split === "train"],
    ["code=example_missing_assistant_message", { code: "example_missing_assistant_message" }, (r) => r.issueCodes.includes("example_missing_assistant_message")],
    ["code=exact_duplicate", { code: "exact_duplicate" }, (r) => r.issueCodes.includes("exact_duplicate")],
    ["status=errors", { status: "errors" }, (r) => r.errorCount > 0],
    ["status=warnings", { status: "warnings" }, (r) => r.warningCount > 0],
    ["status=clean", { status: "clean" }, (r) => r.errorCount === 0 && r.warningCount === 0],
    ["duplicates", { duplicates: true }, (r) => r.issueCodes.includes("exact_duplicate") || r.issueCodes.includes("near_duplicate")],
    ["minTokens=50", { minTokens: 50 }, (r) => r.tokenCount !== null && r.tokenCount >= 50],
    ["maxTokens=30", { maxTokens: 30 }, (r) => r.tokenCount !== null && r.tokenCount <= 30],
    ["tokens 40–60", { minTokens: 40, maxTokens: 60 }, (r) => r.tokenCount !== null && r.tokenCount >= 40 && r.tokenCount <= 60],
    ['q="router" (any case)', { q: "router" }, (r) => r.searchText.toLowerCase().includes("router")],
    ['q="ROUTER restart" (all words)', { q: "ROUTER restart" }, (r) => /router/i.test(r.searchText) && /restart/i.test(r.searchText)],
    ['q="question 1" (a short word narrows a long one)', { q: "question 1" }, (r) => /question/i.test(r.searchText) && r.searchText.includes("1")],
    ['q="50%" matches the literal percent sign', { q: "50%" }, (r) => r.searchText.includes("50%")],
    ['q="snake_case" matches the literal underscore', { q: "snake_case" }, (r) => r.searchText.includes("snake_case")],
    ['q="nothing-like-this"', { q: "nothing-like-this" }, () => false],
  ];
  for (const [name, filters, keep] of cases) {
    it(`${name}`, async () => {
      const expected = rows.filter(keep);
      const page = await all({ filters });
      expect(page.total).toBe(expected.length);
      expect(positions(page.rows)).toEqual(positions(expected));
    });
  }

  it("each filter case above matches some rows and leaves some out (the fixture exercises it)", () => {
    for (const [, , keep] of cases.slice(0, -1)) {
      const n = rows.filter(keep).length;
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThan(30);
    }
  });

  it("escaping: % and _ do not act as wildcards", async () => {
    expect(positions((await all({ filters: { q: "50%" } })).rows)).toEqual([3]);
    expect(positions((await all({ filters: { q: "snake_case" } })).rows)).toEqual([4]);
  });

  it("combines filters with a sort and pages through them", async () => {
    const filters: ExampleFilters = { split: "train", minTokens: 20 };
    const expected = expectedOrder("tokens", "desc", rows.filter((r) => r.split === "train" && r.tokenCount !== null && r.tokenCount >= 20));
    const first = await listExamples({ datasetId, db, sort: "tokens", dir: "desc", filters, limit: 5 });
    const second = await listExamples({ datasetId, db, sort: "tokens", dir: "desc", filters, limit: 5, offset: 5 });
    expect(first.total).toBe(expected.length);
    expect([...positions(first.rows), ...positions(second.rows)]).toEqual(expected.slice(0, 10));
  });
});

describe("search and the search index", () => {
  it("finds a row only once the analysis has given it a search entry", async () => {
    const ds = await db.dataset.create({ data: { name: `query-unindexed-${Date.now()}-${Math.random()}` } });
    datasetIds.push(ds.id);
    await db.example.createMany({
      data: [newExampleRow({ kind: "chat", example: { messages: [{ role: "user", content: "zebra crossing" }, { role: "assistant", content: "ok" }] } }, { datasetId: ds.id, position: 0 })],
    });
    expect((await listExamples({ datasetId: ds.id, db, filters: { q: "zebra" } })).total).toBe(0);
    await fillSearchIndex(db, ds.id);
    expect((await listExamples({ datasetId: ds.id, db, filters: { q: "zebra" } })).total).toBe(1);
  });
});

describe("listExamples errors", () => {
  it("an unknown dataset is a 404", async () => {
    await expect(listExamples({ datasetId: "no-such-dataset", db })).rejects.toMatchObject({ status: 404, code: "not_found" });
  });
  it("a limit over 200 is a 400 that names the field", async () => {
    const err = await listExamples({ datasetId, db, limit: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 400, message: expect.stringContaining("limit") });
  });
});

describe("getFacets", () => {
  it("counts tags, issue codes and splits over the whole dataset", async () => {
    const f = await getFacets({ datasetId, db });
    const count = (keep: (r: FixtureRow) => boolean) => rows.filter(keep).length;
    expect(f.total).toBe(30);
    expect(f.splits).toEqual({ train: count((r) => r.split === "train"), validation: count((r) => r.split === "validation"), test: count((r) => r.split === "test") });
    expect(f.tags).toEqual([
      { tag: "billing", count: count((r) => r.tags.includes("billing")) },
      { tag: "urgent", count: count((r) => r.tags.includes("urgent")) },
    ]);
    const codes = [...new Set(rows.flatMap((r) => r.issueCodes))];
    expect(f.codes.map((c) => c.code).sort()).toEqual(codes.sort());
    for (const c of f.codes) expect(c.count).toBe(count((r) => r.issueCodes.includes(c.code)));
    expect(f.codes.find((c) => c.code === "exact_duplicate")).toEqual({ code: "exact_duplicate", severity: "warning", count: 2 });
    expect(f.codes.find((c) => c.code === "example_missing_assistant_message")?.severity).toBe("error");
  });
  it("an unknown dataset is a 404", async () => {
    await expect(getFacets({ datasetId: "no-such-dataset", db })).rejects.toMatchObject({ status: 404 });
  });
});

describe("search totals past the exact-count cap", () => {
  it(`counts up to ${SEARCH_COUNT_CAP} matches exactly and estimates beyond, from the match density`, async () => {
    const ds = await db.dataset.create({ data: { name: `query-cap-${Date.now()}-${Math.random()}` } });
    datasetIds.push(ds.id);
    const n = 2000;
    await db.example.createMany({
      data: Array.from({ length: n }, (_, i) =>
        newExampleRow(
          { kind: "chat", example: { messages: [{ role: "user", content: `common ${i % 2 ? "odd" : "even"} ${i % 3 ? "plain" : "third"}` }, { role: "assistant", content: "ok" }] } },
          { datasetId: ds.id, position: i },
        ),
      ),
    });
    await fillSearchIndex(db, ds.id);
    const search = (q: string) => listExamples({ datasetId: ds.id, db, filters: { q } });
    // 667 and 1,000 matches: exact.
    expect(await search("third")).toMatchObject({ total: 667, totalExact: true });
    expect(await search("even")).toMatchObject({ total: 1000, totalExact: true });
    // 1,333 and 2,000: estimated, flagged, and close (matches are spread evenly here, so within 1%).
    const most = await search("plain");
    expect(most.totalExact).toBe(false);
    expect(Math.abs(most.total - 1333)).toBeLessThanOrEqual(13);
    expect(await search("common")).toMatchObject({ total: 2000, totalExact: false });
    // Rows themselves are exact whatever the total: the first page is the first 50 matches in order.
    expect(positions(most.rows)).toEqual(Array.from({ length: 75 }, (_, i) => i).filter((i) => i % 3 !== 0).slice(0, 50));
  });
});

describe("deep pages of a search matching many rows", () => {
  it(`past offset ${DEEP_SEARCH_OFFSET} pages come from one ordered match list, exact, and follow edits`, async () => {
    clearMatchLists();
    const ds = await db.dataset.create({ data: { name: `query-deep-${Date.now()}-${Math.random()}` } });
    datasetIds.push(ds.id);
    const n = 1600;
    await db.example.createMany({
      data: Array.from({ length: n }, (_, i) =>
        newExampleRow(
          { kind: "chat", example: { messages: [{ role: "user", content: `broad question ${i}${i % 4 === 0 ? " rare" : ""}` }, { role: "assistant", content: "ok" }] } },
          { datasetId: ds.id, position: i },
        ),
      ),
    });
    await fillSearchIndex(db, ds.id);
    const page = (offset: number, dir: SortDir = "asc") => listExamples({ datasetId: ds.id, db, filters: { q: "broad" }, offset, limit: 50, dir });

    // The first page estimates the total (a broad search); a deep page lists every match and knows it exactly.
    expect((await page(0)).totalExact).toBe(false);
    const deep = await page(1200);
    expect(deep).toMatchObject({ total: n, totalExact: true });
    expect(positions(deep.rows)).toEqual(Array.from({ length: 50 }, (_, i) => 1200 + i));
    // The next page is a slice of the same list; the last page is short; descending order is its own list.
    expect(positions((await page(1250)).rows)).toEqual(Array.from({ length: 50 }, (_, i) => 1250 + i));
    expect(positions((await page(1580)).rows)).toEqual(Array.from({ length: 20 }, (_, i) => 1580 + i));
    expect(positions((await page(1200, "desc")).rows)).toEqual(Array.from({ length: 50 }, (_, i) => n - 1 - 1200 - i));

    // An edit moves the dataset's revision: the next deep page sees it (no stale list).
    await db.example.deleteMany({ where: { datasetId: ds.id, position: { lt: 100 } } });
    await db.dataset.update({ where: { id: ds.id }, data: { revision: { increment: 1 } } });
    const after = await page(1200);
    expect(after.total).toBe(n - 100);
    expect(positions(after.rows)).toEqual(Array.from({ length: 50 }, (_, i) => 1300 + i));
  });
});
