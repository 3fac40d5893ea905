// Word-level diff for the side-by-side view: which words the candidate changed relative to the baseline. Tokens
// keep whitespace and punctuation as their own tokens, so joining a side's segments gives that side back exactly
// (the view renders segments, never re-spaces). LCS over tokens after trimming the common prefix and suffix; the
// table is capped so a pair of huge outputs degrades to a line diff, then to one del + add, and the UI never freezes.

export type DiffSegment = { op: "same" | "del" | "add"; text: string };

/** Largest LCS table (cells) we fill: 4 M cells is ~16 MB and a few ms. */
export const MAX_DIFF_CELLS = 4_000_000;

/** Words (letters, digits, _), whitespace runs and single other characters; their concatenation is the input.
 * Chinese and Japanese characters are tokens of their own: those scripts do not separate words with spaces, and
 * a whole sentence as one "word" would make every small edit replace the sentence. */
export function diffTokens(s: string): string[] {
  return s.match(/[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}]|[\p{L}\p{N}\p{M}_]+|\s+|[^\p{L}\p{N}\p{M}_\s]/gu) ?? [];
}

function lineTokens(s: string): string[] {
  return s.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Segments, merging neighbours with the same op. */
class Segments {
  readonly list: DiffSegment[] = [];
  push(op: DiffSegment["op"], text: string) {
    if (text === "") return;
    const last = this.list[this.list.length - 1];
    if (last && last.op === op) last.text += text;
    else this.list.push({ op, text });
  }
}

/** LCS diff of token lists, or null when the middle part is over the cell budget. Within a changed stretch the
 * deletions come before the additions, so the view shows "old → new" instead of interleaved fragments. */
function lcsDiff(a: string[], b: string[], out: Segments): boolean {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  if (n * m > MAX_DIFF_CELLS) return false;
  // suffix[i * (m + 1) + j] = LCS of a[start+i..endA) and b[start+j..endB)
  const w = m + 1;
  const suffix = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      suffix[i * w + j] = a[start + i] === b[start + j] ? suffix[(i + 1) * w + j + 1]! + 1 : Math.max(suffix[(i + 1) * w + j]!, suffix[i * w + j + 1]!);
    }
  }
  out.push("same", a.slice(0, start).join(""));
  let del = "";
  let add = "";
  let i = 0;
  let j = 0;
  const flush = () => {
    out.push("del", del);
    out.push("add", add);
    del = add = "";
  };
  while (i < n || j < m) {
    if (i < n && j < m && a[start + i] === b[start + j]) {
      flush();
      out.push("same", a[start + i]!);
      i++;
      j++;
    } else if (j >= m || (i < n && suffix[(i + 1) * w + j]! >= suffix[i * w + j + 1]!)) del += a[start + i++]!;
    else add += b[start + j++]!;
  }
  flush();
  out.push("same", a.slice(endA).join(""));
  return true;
}

/** A whitespace-only "same" between two changes ("one two" → "uno dos" would read del one, add uno, same " ",
 * del two, add dos) is folded into the change, so the view shows one "old → new" stretch instead of confetti. */
function foldWhitespace(list: DiffSegment[]): DiffSegment[] {
  const out = new Segments();
  let del = "";
  let add = "";
  list.forEach((seg, i) => {
    if (seg.op === "del") del += seg.text;
    else if (seg.op === "add") add += seg.text;
    else if (del && add && /^\s+$/.test(seg.text) && list[i + 1]) {
      del += seg.text;
      add += seg.text;
    } else {
      out.push("del", del);
      out.push("add", add);
      del = add = "";
      out.push("same", seg.text);
    }
  });
  out.push("del", del);
  out.push("add", add);
  return out.list;
}

/** Word-level diff of a (baseline) against b (candidate): same/del/add segments; joining the same+del texts gives
 * a, joining same+add gives b. */
export function wordDiff(a: string, b: string): DiffSegment[] {
  if (a === b) return a === "" ? [] : [{ op: "same", text: a }];
  const out = new Segments();
  if (lcsDiff(diffTokens(a), diffTokens(b), out)) return foldWhitespace(out.list);
  const byLine = new Segments();
  if (lcsDiff(lineTokens(a), lineTokens(b), byLine)) return byLine.list;
  const whole = new Segments();
  whole.push("del", a);
  whole.push("add", b);
  return whole.list;
}
