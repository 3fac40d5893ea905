import { describeType, formatError, isRecord } from "./fields";
import type { ConvertResult, PreferenceExample } from "./types";

/**
 * DPO preference JSONL (reference §4): {"input":{"messages":[…],"tools"?,…},"preferred_output":[…],
 * "non_preferred_output":[…]}. Returned unchanged as kind "preference"; the pre-2025-07 names
 * preferred_completion / non_preferred_completion are rejected with the current names, as OpenAI does.
 */
export function convertPreference(record: unknown, line: number): ConvertResult {
  if (!isRecord(record)) return formatError(line, "data_type", `expected a JSON object, got ${describeType(record)}`);
  if ("preferred_completion" in record || "non_preferred_completion" in record) {
    return formatError(
      line,
      "invalid_field",
      `"preferred_completion"/"non_preferred_completion" are old names; rename them to "preferred_output"/"non_preferred_output"`,
    );
  }
  const input = record.input;
  if (!isRecord(input)) {
    return formatError(line, input === undefined ? "missing_field" : "invalid_field", `"input" must be an object with a "messages" list`);
  }
  if (!Array.isArray(input.messages)) return formatError(line, "invalid_field", `"input.messages" must be a list of messages`);
  if (input.messages.length === 0) return formatError(line, "empty_conversation", `"input.messages" is empty; add the user turn`);
  for (const field of ["preferred_output", "non_preferred_output"] as const) {
    const value = record[field];
    if (value === undefined) return formatError(line, "missing_field", `preference example has no "${field}"; add a list with one assistant message`);
    if (!Array.isArray(value) || value.length === 0) {
      return formatError(line, "invalid_field", `"${field}" must be a non-empty list of assistant messages, got ${describeType(value)}`);
    }
  }
  return { kind: "preference", example: record as PreferenceExample };
}
