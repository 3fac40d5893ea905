import type { EvalCall } from "./format";

// Whether a reply made the expected calls. Calls made at once have no order that matters (a model may list
// parallel calls either way), so both sides are compared as multisets. Arguments compare as JSON values: key order
// and number spelling (1 vs 1.0) do not count; strings, types and nesting do.

export type CallScores = {
  /** 1 when the output's calls are the expected calls, names and arguments (no call expected: none made). */
  toolCallMatch: number;
  /** 1 when the output called the expected functions, whatever the arguments. */
  toolNameMatch: number;
};

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => sameValue(x, (b as unknown[])[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Every item of `made` pairs with one of `expected` under `same`, and none is left over on either side. */
function sameMultiset<T>(made: T[], expected: T[], same: (x: T, y: T) => boolean): boolean {
  if (made.length !== expected.length) return false;
  const left = [...expected];
  for (const m of made) {
    const i = left.findIndex((e) => same(m, e));
    if (i < 0) return false;
    left.splice(i, 1);
  }
  return true;
}

export function callScores(made: EvalCall[], expected: EvalCall[]): CallScores {
  return {
    toolCallMatch: sameMultiset(made, expected, (x, y) => x.name === y.name && sameValue(x.arguments, y.arguments)) ? 1 : 0,
    toolNameMatch: sameMultiset(made.map((c) => c.name), expected.map((c) => c.name), (x, y) => x === y) ? 1 : 0,
  };
}
