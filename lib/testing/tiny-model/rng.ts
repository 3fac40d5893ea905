import { mulberry32 } from "../../random/mulberry32";

// A small seeded PRNG so the same seed writes byte-identical models on every machine (Math.random cannot
// be seeded). SplitMix64-style mixing over 32-bit halves keeps it fast without BigInt.

export type Rng = { uniform(): number; normal(): number };

export function createRng(seed: number): Rng {
  let spare: number | undefined;
  // The seed is mixed first so tiny models and other draws from the same seed do not share a sequence.
  const next = mulberry32((seed >>> 0) ^ 0x9e3779b9);
  return {
    uniform: next,
    normal() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      // Box–Muller; 1 - u keeps log() away from 0.
      const u = 1 - next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}
