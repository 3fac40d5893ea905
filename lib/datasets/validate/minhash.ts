// Near-duplicate search: MinHash signatures over word 3-shingles, LSH banding to find candidates without
// comparing every pair, then the exact Jaccard of the shingle sets to confirm. Everything is seeded with
// constants, so the same data always gives the same findings.
//
// 64 hashes in 16 bands of 4 rows: a pair at Jaccard 0.9 shares a band with probability 1 − (1 − 0.9⁴)¹⁶
// ≈ 1 − 4·10⁻⁸, one at 0.5 only ~64 % and at 0.3 ~12 %; candidates are always verified exactly, so banding
// only costs time, never accuracy above the threshold (beyond that 4·10⁻⁸).

export const NUM_HASHES = 64;
const BANDS = 16;
const ROWS = NUM_HASHES / BANDS;
const SHINGLE_WORDS = 3;
// A bucket shared by very many examples (a template) is compared against its first members only, which
// bounds the work at 100k examples; the first confirmed partner is all a report needs.
const MAX_BUCKET_COMPARISONS = 50;

/** murmur3's 32-bit finalizer: a bijection with good avalanche, used as the family of hash permutations. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// Fixed seeds (a splitmix-style sequence from a constant), one per hash function.
const SEEDS = Uint32Array.from({ length: NUM_HASHES }, (_, i) => fmix32(0x9e3779b9 * (i + 1)));

/** Lowercased words with punctuation removed, so "Hello, world!" and "hello world" shingle the same. */
export function words(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w !== "");
}

/** Sorted, unique 32-bit hashes of the word 3-shingles (a text of fewer words is one shingle). */
export function shingles(text: string): Uint32Array {
  const w = words(text);
  if (w.length === 0) return new Uint32Array(0);
  // Hash each word once and combine three word hashes per shingle with integer mixing: no strings built.
  const wh = w.map(fnv1a);
  const n = Math.max(1, w.length - SHINGLE_WORDS + 1);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let h = 0x2545f491;
    for (let k = i; k < Math.min(i + SHINGLE_WORDS, wh.length); k++) h = fmix32(h ^ wh[k]!) + k - i;
    out[i] = h >>> 0;
  }
  out.sort();
  let u = 0;
  for (let i = 0; i < out.length; i++) if (i === 0 || out[i] !== out[i - 1]) out[u++] = out[i]!;
  return out.slice(0, u);
}

export function signature(sh: Uint32Array): Uint32Array {
  const sig = new Uint32Array(NUM_HASHES).fill(0xffffffff);
  for (let k = 0; k < NUM_HASHES; k++) {
    const seed = SEEDS[k]!;
    let min = 0xffffffff;
    for (let i = 0; i < sh.length; i++) {
      const h = fmix32(sh[i]! ^ seed);
      if (h < min) min = h;
    }
    sig[k] = min;
  }
  return sig;
}

/** Exact Jaccard of two sorted unique arrays. */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      inter++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return inter / (a.length + b.length - inter);
}

function bandKey(sig: Uint32Array, band: number): number {
  let h = band;
  for (let r = band * ROWS; r < (band + 1) * ROWS; r++) h = fmix32(h ^ sig[r]!) + r;
  return h >>> 0;
}

export type NearMatch<T> = { id: T; jaccard: number };

/** An LSH index of shingle sets; ids are whatever the caller uses to name an item (line numbers). */
export class NearDuplicateIndex<T> {
  // Per band: the first item of each bucket, and the rest only for the (rare) buckets with more than one,
  // so 100k examples × 16 bands cost numbers in maps rather than arrays.
  private readonly heads: Map<number, number>[] = Array.from({ length: BANDS }, () => new Map());
  private readonly rest: Map<number, number[]>[] = Array.from({ length: BANDS }, () => new Map());
  private readonly items: { id: T; shingles: Uint32Array }[] = [];

  constructor(private readonly threshold = 0.9) {}

  get size(): number {
    return this.items.length;
  }

  /** The earliest indexed item with Jaccard ≥ threshold, or null. Pass `sig` when it is already computed. */
  query(sh: Uint32Array, sig = signature(sh)): NearMatch<T> | null {
    if (sh.length === 0 || this.items.length === 0) return null;
    const seen = new Set<number>();
    let best: { index: number; jaccard: number } | null = null;
    const consider = (index: number) => {
      if (seen.has(index) || (best && index > best.index)) return;
      seen.add(index);
      const j = jaccard(sh, this.items[index]!.shingles);
      // Compare with a tiny tolerance: 90/100 must count as 0.9 whatever the rounding.
      if (j >= this.threshold - 1e-12) best = { index, jaccard: j };
    };
    for (let b = 0; b < BANDS; b++) {
      const key = bandKey(sig, b);
      const head = this.heads[b]!.get(key);
      if (head === undefined) continue;
      consider(head);
      const more = this.rest[b]!.get(key);
      if (more) for (let n = 0; n < Math.min(more.length, MAX_BUCKET_COMPARISONS - 1); n++) consider(more[n]!);
    }
    const found = best as { index: number; jaccard: number } | null;
    return found ? { id: this.items[found.index]!.id, jaccard: found.jaccard } : null;
  }

  add(id: T, sh: Uint32Array, sig = signature(sh)): void {
    if (sh.length === 0) return;
    const index = this.items.push({ id, shingles: sh }) - 1;
    for (let b = 0; b < BANDS; b++) {
      const key = bandKey(sig, b);
      if (!this.heads[b]!.has(key)) this.heads[b]!.set(key, index);
      else {
        const more = this.rest[b]!.get(key);
        if (more) more.push(index);
        else this.rest[b]!.set(key, [index]);
      }
    }
  }
}
