import { findDuplicateKeys } from "./duplicate-keys";
import type { Issue } from "./types";

// One JSONL line → a value, or the issues that stop it from being one example.

export type ParsedLine = { ok: true; value: unknown; issues: Issue[] } | { ok: false; issues: Issue[] };

export function parseJsonLine(text: string, line: number): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const why = (err as Error).message.replace(/^JSON\.parse: /, "");
    return {
      ok: false,
      issues: [{ line, code: "invalid_json", severity: "error", message: `line ${line}: not valid JSON (${why}); each line must be one complete JSON object` }],
    };
  }
  const issues: Issue[] = findDuplicateKeys(text).map((d) => ({
    line,
    code: "duplicate_key",
    severity: "error",
    path: d.path,
    message: `line ${line}: key "${d.key}" appears twice at ${d.path}; JSON readers keep only the last one, so remove the copy you do not mean`,
  }));
  return { ok: true, value, issues };
}
