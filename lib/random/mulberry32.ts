// The project's one seeded PRNG (Math.random cannot be seeded): splits, the emulator's loss curves, the tiny
// model's weights and the benches' generated data all draw from it, so a seed means the same thing everywhere.

/** mulberry32: tiny, fast, good enough statistics for shuffles, noise and test data; returns [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
