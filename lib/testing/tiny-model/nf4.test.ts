import { describe, expect, it } from "vitest";
import { NF4_CODE, nf4RoundTrip, signedDynamicMap } from "./nf4";

describe("reference NF4 (test helper)", () => {
  it("rounds each value to the nearest code times its block's absmax", () => {
    const w = new Float32Array(128);
    w.set([2, -2, 1, 0, 0.3], 0); // block 0: absmax 2 → 1 ↦ 0.5 → code 0.4407 (nearer than 0.5626)
    w.set([-0.5, 0.25], 64); // block 1: absmax 0.5 → 0.25 ↦ 0.5 → 0.4407 · 0.5
    const q = nf4RoundTrip(w, false);
    expect(q[0]).toBe(2);
    expect(q[1]).toBe(-2);
    expect(q[2]).toBeCloseTo(0.44070982933044434 * 2, 6);
    expect(q[3]).toBe(0);
    expect(q[4]).toBeCloseTo(0.16093020141124725 * 2, 6); // 0.15 is nearer 0.1609 than 0.0796
    expect(q[65]).toBeCloseTo(0.44070982933044434 * 0.5, 6);
  });

  it("builds bitsandbytes' signed 8-bit dynamic map: 256 sorted values from -1 to 1 with 0", () => {
    const map = signedDynamicMap();
    expect(map).toHaveLength(256);
    expect(map[255]).toBe(1);
    expect(map).toContain(0);
    expect([...map].sort((a, b) => a - b)).toEqual(map);
    expect(NF4_CODE).toHaveLength(16);
  });

  it("double quantization moves the scales only slightly", () => {
    const w = Float32Array.from({ length: 64 * 300 }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
    const a = nf4RoundTrip(w, false);
    const b = nf4RoundTrip(w, true);
    let worst = 0;
    for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (Math.abs(a[i]!) + 1e-3));
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(0.05);
  });
});
