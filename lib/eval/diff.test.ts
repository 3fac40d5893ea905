import { describe, expect, it } from "vitest";
import { mulberry32 } from "@/lib/random/mulberry32";
import { diffTokens, wordDiff, type DiffSegment } from "./diff";

const side = (segments: DiffSegment[], keep: "del" | "add") =>
  segments
    .filter((s) => s.op === "same" || s.op === keep)
    .map((s) => s.text)
    .join("");

function expectReconstructs(a: string, b: string): DiffSegment[] {
  const d = wordDiff(a, b);
  expect(side(d, "del")).toBe(a);
  expect(side(d, "add")).toBe(b);
  // merged: no two neighbours share an op, and no segment is empty
  for (let i = 0; i < d.length; i++) {
    expect(d[i]!.text).not.toBe("");
    if (i > 0) expect(d[i]!.op).not.toBe(d[i - 1]!.op);
  }
  return d;
}

describe("diffTokens", () => {
  it("keeps words, whitespace runs and punctuation as tokens whose join is the input", () => {
    expect(diffTokens('Hi,  "Zoë" said:\n ok!')).toEqual(["Hi", ",", "  ", '"', "Zoë", '"', " ", "said", ":", "\n ", "ok", "!"]);
    expect(diffTokens("")).toEqual([]);
    expect(diffTokens("退款已批准")).toEqual(["退", "款", "已", "批", "准"]);
  });
});

describe("wordDiff", () => {
  it("marks the changed words", () => {
    expect(expectReconstructs("the cat sat.", "the dog sat!")).toEqual([
      { op: "same", text: "the " },
      { op: "del", text: "cat" },
      { op: "add", text: "dog" },
      { op: "same", text: " sat" },
      { op: "del", text: "." },
      { op: "add", text: "!" },
    ]);
    expect(expectReconstructs('{"refund": false}', '{"refund": true, "id": 7}')).toEqual([
      { op: "same", text: '{"refund": ' },
      { op: "del", text: "false" },
      { op: "add", text: 'true, "id": 7' },
      { op: "same", text: "}" },
    ]);
  });

  it("puts a changed stretch's deletions before its additions", () => {
    expect(expectReconstructs("one two three", "uno dos three")).toEqual([
      { op: "del", text: "one two" },
      { op: "add", text: "uno dos" },
      { op: "same", text: " three" },
    ]);
  });

  it("handles identical, empty and one-sided inputs", () => {
    expect(wordDiff("same text", "same text")).toEqual([{ op: "same", text: "same text" }]);
    expect(wordDiff("", "")).toEqual([]);
    expect(expectReconstructs("", "added")).toEqual([{ op: "add", text: "added" }]);
    expect(expectReconstructs("gone", "")).toEqual([{ op: "del", text: "gone" }]);
    expectReconstructs("a b c", "a c");
    expectReconstructs("x", "x y x");
  });

  it("reconstructs both sides of random edits", () => {
    const rng = mulberry32(3);
    const words = ["the", "refund", "is", "approved", ",", "denied", "\n", "  ", "order", "7", "😀", "."];
    const text = (len: number) => Array.from({ length: len }, () => words[(rng() * words.length) | 0]).join(rng() < 0.5 ? " " : "");
    for (let i = 0; i < 200; i++) expectReconstructs(text((rng() * 30) | 0), text((rng() * 30) | 0));
  });

  it("degrades to a line diff, then to one del + add, for huge inputs, quickly", () => {
    const rng = mulberry32(4);
    const line = () => Array.from({ length: 12 }, () => `w${(rng() * 1000) | 0}`).join(" ") + "\n";
    const a = Array.from({ length: 400 }, line).join(""); // ~9,600 tokens: over the word-level budget
    const b = Array.from({ length: 400 }, line).join("");
    const started = performance.now();
    // A change near the start only: the common suffix is trimmed first, so the word level still fits.
    expect(expectReconstructs(a, `changed ${a}`)).toEqual([{ op: "add", text: "changed " }, { op: "same", text: a }]);
    // Changes at both ends leave a ~9,600-token middle on each side: too big for words, fine for lines.
    const edited = a.replace(/^.*\n/, "new first line\n").replace(/[^\n]*\n$/, "new last line\n");
    expect(expectReconstructs(a, edited).map((s) => s.op)).toEqual(["del", "add", "same", "del", "add"]);
    const whole = expectReconstructs(a.repeat(15), b.repeat(15)); // 6,000 lines each: over the line budget too
    expect(whole.map((s) => s.op)).toEqual(["del", "add"]);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
