// Exact match: the strictest signal, the one a structured task (labels, ids, JSON) is judged by. Only the
// whitespace around the answer is forgiven, because models and datasets disagree about trailing newlines and that
// difference never changes the meaning.

/** 1 when the output equals the expected answer after trimming leading/trailing whitespace, else 0. */
export function exactMatch(output: string, expected: string): number {
  return output.trim() === expected.trim() ? 1 : 0;
}
