import { describe, expect, it } from "vitest";
import { jaccard, NearDuplicateIndex, shingles, signature } from "./minhash";

// Texts of distinct words w0 w1 …: n words give n − 2 distinct 3-shingles, and appending t fresh words adds
// exactly t shingles, so Jaccard(base, base + t words) = (n − 2) / (n − 2 + t) can be set exactly.
const seq = (from: number, to: number, prefix = "w") => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`).join(" ");

describe("shingles and jaccard", () => {
  it("normalizes case and punctuation; short texts are one shingle", () => {
    expect(shingles("Hello, World! again")).toEqual(shingles("hello world again"));
    expect(shingles("hi there")).toHaveLength(1);
    expect(shingles("  ")).toHaveLength(0);
  });

  it("computes exact Jaccard", () => {
    expect(jaccard(shingles(seq(0, 92)), shingles(`${seq(0, 92)} ${seq(0, 10, "x")}`))).toBe(0.9);
    expect(jaccard(shingles("a b c"), shingles("d e f"))).toBe(0);
  });

  it("signatures are deterministic", () => {
    expect(signature(shingles(seq(0, 50)))).toEqual(signature(shingles(seq(0, 50))));
  });
});

describe("NearDuplicateIndex at the 0.9 boundary", () => {
  it("matches at Jaccard exactly 0.9 and above, not at 0.899", () => {
    // 90 shared shingles + 10 new: 90/100 = 0.9 → match.
    const at = new NearDuplicateIndex<string>(0.9);
    at.add("base", shingles(seq(0, 92)));
    expect(at.query(shingles(`${seq(0, 92)} ${seq(0, 10, "x")}`))).toEqual({ id: "base", jaccard: 0.9 });
    // 89 shared + 10 new: 89/99 ≈ 0.899 → no match.
    const below = new NearDuplicateIndex<string>(0.9);
    below.add("base", shingles(seq(0, 91)));
    expect(below.query(shingles(`${seq(0, 91)} ${seq(0, 10, "x")}`))).toBeNull();
  });

  it("finds every 0.9+ pair among many unrelated texts (banding loses none) and reports the earliest", () => {
    const index = new NearDuplicateIndex<number>(0.9);
    for (let i = 0; i < 300; i++) index.add(i, shingles(seq(i * 1000, i * 1000 + 60)));
    index.add(1000, shingles(seq(150_000, 150_060)));
    for (let i = 0; i < 300; i += 7) {
      // 58 shingles + 5 new: 58/63 ≈ 0.92.
      expect(index.query(shingles(`${seq(i * 1000, i * 1000 + 60)} ${seq(0, 5, "z")}`))).toMatchObject({ id: i });
    }
    expect(index.query(shingles(seq(150_000, 150_060)))).toEqual({ id: 150, jaccard: 1 });
    expect(index.query(shingles(seq(999_000, 999_060)))).toBeNull();
  });

  it("stays fast at 20k examples", () => {
    const index = new NearDuplicateIndex<number>(0.9);
    const start = performance.now();
    for (let i = 0; i < 20_000; i++) {
      const sh = shingles(`question ${i} about topic ${i % 97}: ${seq(i, i + 40)}`);
      index.query(sh);
      index.add(i, sh);
    }
    expect(performance.now() - start).toBeLessThan(15_000);
  });
});
