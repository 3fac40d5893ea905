import { describe, expect, it } from "vitest";
import { mulberry32 } from "@/lib/random/mulberry32";
import { pairedBootstrap, pairedBootstrapMany, percentile, wilson } from ".";

describe("wilson", () => {
  it.each([
    // Published 95 % Wilson score intervals: 1/29 is Newcombe (1998)'s worked example; the rest agree with
    // statsmodels proportion_confint(method="wilson") and R's binom.confint(method="wilson") to 4 d.p.
    [8, 10, 0.4902, 0.9433],
    [0, 10, 0, 0.2775],
    [10, 10, 0.7225, 1],
    [50, 100, 0.4038, 0.5962],
    [1, 29, 0.0061, 0.1718],
  ])("%i/%i → [%f, %f]", (s, n, lo, hi) => {
    const [l, h] = wilson(s, n);
    expect(l).toBeCloseTo(lo, 4);
    expect(h).toBeCloseTo(hi, 4);
  });

  it("says nothing for n = 0 and accepts half-counted ties", () => {
    expect(wilson(0, 0)).toEqual([0, 1]);
    const [l, h] = wilson(5.5, 10);
    expect(l).toBeLessThan(0.55);
    expect(h).toBeGreaterThan(0.55);
  });
});

describe("percentile", () => {
  it("interpolates linearly between ranks (numpy's default)", () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95)).toBeCloseTo(95.05, 10);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNull();
    const xs = [3, 1, 2];
    percentile(xs, 50);
    expect(xs).toEqual([3, 1, 2]);
  });
});

describe("pairedBootstrap", () => {
  const draw = (n: number, seed: number) => {
    const rng = mulberry32(seed);
    return Array.from({ length: n }, () => rng() - 0.4); // mean 0.1
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  it("gives [d, d] when every delta is d", () => {
    expect(pairedBootstrap([0.1, 0.1, 0.1])).toEqual([0.1, 0.1]);
    expect(pairedBootstrap([0, 0, 0, 0])).toEqual([0, 0]);
    expect(pairedBootstrap([])).toEqual([0, 0]);
  });

  it("is symmetric around 0 for symmetric deltas, about ±1.96·σ/√n wide", () => {
    // 50 × (+1) and 50 × (−1): mean 0, σ = 1, σ/√100 = 0.1 → roughly [−0.196, 0.196]
    const deltas = Array.from({ length: 100 }, (_, i) => (i % 2 ? 1 : -1));
    const [lo, hi] = pairedBootstrap(deltas, { seed: 7, iterations: 4000 });
    expect(lo).toBeCloseTo(-0.2, 1);
    expect(hi).toBeCloseTo(0.2, 1);
    expect(Math.abs(lo + hi)).toBeLessThan(0.03);
  });

  it("contains the mean, shrinks with n and is deterministic for a seed", () => {
    const small = draw(20, 1);
    const large = draw(2000, 1);
    const [ls, hs] = pairedBootstrap(small, { seed: 3 });
    const [ll, hl] = pairedBootstrap(large, { seed: 3 });
    expect(ls).toBeLessThan(mean(small));
    expect(hs).toBeGreaterThan(mean(small));
    expect(ll).toBeLessThan(mean(large));
    expect(hl).toBeGreaterThan(mean(large));
    expect(hl - ll).toBeLessThan((hs - ls) / 5); // √(2000/20) = 10× narrower in theory
    expect(pairedBootstrap(small, { seed: 3 })).toEqual([ls, hs]);
    expect(pairedBootstrap(small, { seed: 4 })).not.toEqual([ls, hs]);
  });

  it("widens with the level", () => {
    const xs = draw(50, 2);
    const [l90, h90] = pairedBootstrap(xs, { level: 0.9 });
    const [l99, h99] = pairedBootstrap(xs, { level: 0.99 });
    expect(l99).toBeLessThan(l90);
    expect(h99).toBeGreaterThan(h90);
  });

  it("equals a plain reference bootstrap with mulberry32, on both the gather and the histogram path", () => {
    const reference = (deltas: number[], seed: number, iterations = 500) => {
      const rng = mulberry32(seed);
      const means = Array.from({ length: iterations }, () => {
        let sum = 0;
        for (let i = 0; i < deltas.length; i++) sum += deltas[Math.floor(rng() * deltas.length)]!;
        return sum / deltas.length;
      }).sort((a, b) => a - b);
      const at = (p: number) => percentile(means, p)!;
      return [at(2.5), at(97.5)];
    };
    const continuous = draw(37, 8);
    const binary = Array.from({ length: 37 }, (_, i) => [-1, 0, 0, 1, 1][i % 5]!);
    // Equal up to float rounding (the 2.5 % tail is computed from the level); another draw sequence would be ~1e-2 off.
    const [clo, chi] = pairedBootstrap(continuous, { seed: 12, iterations: 500 });
    const [rclo, rchi] = reference(continuous, 12);
    expect(clo).toBeCloseTo(rclo!, 12);
    expect(chi).toBeCloseTo(rchi!, 12);
    const [lo, hi] = pairedBootstrap(binary, { seed: 12, iterations: 500 });
    const [rlo, rhi] = reference(binary, 12);
    expect(lo).toBeCloseTo(rlo!, 12);
    expect(hi).toBeCloseTo(rhi!, 12);
  });

  it("resamples several columns jointly, matching the single-column result for the same seed", () => {
    const a = draw(40, 5);
    const b = draw(40, 6);
    const [ia, ib, ic] = pairedBootstrapMany([a, b, [1, 1, 1, ...Array(37).fill(1)]], { seed: 9 });
    expect(ia).toEqual(pairedBootstrap(a, { seed: 9 }));
    expect(ib).toEqual(pairedBootstrap(b, { seed: 9 }));
    expect(ic).toEqual([1, 1]);
    expect(() => pairedBootstrapMany([a, b.slice(1)])).toThrow(/same length/);
  });
});
