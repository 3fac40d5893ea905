import { describe, expect, it } from "vitest";
import { assignSplits } from "./split";

const make = (n: number, tag?: (i: number) => string[]) =>
  Array.from({ length: n }, (_, i) => ({ id: `ex${String(i).padStart(4, "0")}`, tags: tag ? tag(i) : [] }));

const validationIds = (m: Map<string, string>) => [...m].filter(([, s]) => s === "validation").map(([id]) => id).sort();

describe("assignSplits", () => {
  it("is deterministic for a seed and independent of input order", () => {
    const examples = make(100);
    const a = assignSplits(examples, { validationRatio: 0.2, seed: 7 });
    const b = assignSplits([...examples].reverse(), { validationRatio: 0.2, seed: 7 });
    expect(validationIds(a)).toEqual(validationIds(b));
    const c = assignSplits(examples, { validationRatio: 0.2, seed: 8 });
    expect(validationIds(c)).not.toEqual(validationIds(a));
  });

  it("sends round(n × ratio) examples to validation", () => {
    const result = assignSplits(make(101), { validationRatio: 0.1, seed: 1 });
    expect(result.size).toBe(101);
    expect(validationIds(result)).toHaveLength(10);
  });

  it("keeps each tag's validation share at the ratio when stratifying", () => {
    // 80 "common" and 20 "rare": unstratified draws may put few or many rare ones in validation.
    const examples = make(100, (i) => (i < 80 ? ["common"] : ["rare"]));
    for (const seed of [1, 2, 3, 4, 5]) {
      const result = assignSplits(examples, { validationRatio: 0.25, seed, stratifyByTag: true });
      const rare = examples.filter((e) => e.tags[0] === "rare" && result.get(e.id) === "validation");
      const common = examples.filter((e) => e.tags[0] === "common" && result.get(e.id) === "validation");
      expect(rare).toHaveLength(5);
      expect(common).toHaveLength(20);
    }
  });

  it("stratifies multi-tag examples by their alphabetically first tag, whatever the tag order", () => {
    const a = make(40, (i) => (i % 2 ? ["z", "a"] : ["b"]));
    const b = a.map((e) => ({ ...e, tags: [...e.tags].reverse() }));
    const opts = { validationRatio: 0.5, seed: 3, stratifyByTag: true };
    expect(validationIds(assignSplits(a, opts))).toEqual(validationIds(assignSplits(b, opts)));
  });

  it("always leaves at least one train example", () => {
    expect([...assignSplits(make(1), { validationRatio: 0.5, seed: 1 }).values()]).toEqual(["train"]);
    const singletons = make(3, (i) => [`t${i}`]);
    const result = assignSplits(singletons, { validationRatio: 0.5, seed: 1, stratifyByTag: true });
    expect([...result.values()].filter((s) => s === "train").length).toBeGreaterThanOrEqual(1);
  });

  it("handles a ratio of 0 and an empty list", () => {
    expect(validationIds(assignSplits(make(10), { validationRatio: 0, seed: 1 }))).toEqual([]);
    expect(assignSplits([], { validationRatio: 0.2, seed: 1 }).size).toBe(0);
  });

  it("rejects a ratio outside 0..0.5 and a non-integer seed", () => {
    expect(() => assignSplits(make(3), { validationRatio: 0.6, seed: 1 })).toThrow(/between 0 and 0.5/);
    expect(() => assignSplits(make(3), { validationRatio: -0.1, seed: 1 })).toThrow(/between 0 and 0.5/);
    expect(() => assignSplits(make(3), { validationRatio: 0.1, seed: 1.5 })).toThrow(/seed/);
  });
});
