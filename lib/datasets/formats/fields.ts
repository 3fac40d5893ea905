import type { FormatError, FormatErrorCode } from "./types";

// Shared checks for the converters: each failure names the line and the field, and says what to do.

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function formatError(line: number, code: FormatErrorCode, message: string): { error: FormatError } {
  return { error: { line, code, message: `line ${line}: ${message}` } };
}

export function describeType(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/** A required string field, or the error that explains what is wrong with it. */
export function requireString(
  record: Record<string, unknown>,
  field: string,
  line: number,
  format: string,
): string | { error: FormatError } {
  const value = record[field];
  if (value === undefined) return formatError(line, "missing_field", `${format} record has no "${field}" field; add it`);
  if (typeof value !== "string") {
    return formatError(line, "invalid_field", `"${field}" must be a string, got ${describeType(value)}`);
  }
  return value;
}

/** An optional string field: absent/null → "", a non-string → error. */
export function optionalString(
  record: Record<string, unknown>,
  field: string,
  line: number,
): string | { error: FormatError } {
  const value = record[field];
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") {
    return formatError(line, "invalid_field", `"${field}" must be a string when present, got ${describeType(value)}`);
  }
  return value;
}
