import { formatError, isRecord } from "./fields";
import type { CsvRecord } from "./csv-parse";
import type { ChatMessage, ConvertResult, CsvColumnMapping, FormatError } from "./types";

/** A CSV data row keyed by the header row's column names. */
export type CsvRow = Record<string, string>;

/**
 * Pairs a data record with the header. A row with a different number of fields than the header is an error:
 * guessing which column moved would silently put text in the wrong role.
 */
export function csvRowFromRecord(header: readonly string[], record: CsvRecord): CsvRow | { error: FormatError } {
  if (record.fields.length !== header.length) {
    return formatError(
      record.line,
      "invalid_field",
      `row has ${record.fields.length} fields but the header has ${header.length}; quote fields that contain commas or line breaks`,
    );
  }
  const row: CsvRow = {};
  header.forEach((name, i) => {
    row[name] = record.fields[i] ?? "";
  });
  return row;
}

/** Checks a mapping against the header before any row is converted, so a typo fails once, not per row. */
export function checkCsvMapping(header: readonly string[], mapping: CsvColumnMapping): FormatError | null {
  for (const [part, column] of Object.entries(mapping)) {
    if (column !== undefined && !header.includes(column)) {
      return { line: 1, code: "missing_column_mapping", message: `line 1: the ${part} column "${column}" is not in the header (${header.join(", ")}); pick one of those` };
    }
  }
  return null;
}

/** One CSV row → system? + user + assistant, using the caller's column mapping (the UI's mapping step). */
export function convertCsvRow(row: unknown, line: number, mapping: CsvColumnMapping | undefined): ConvertResult {
  if (!mapping) return formatError(line, "missing_column_mapping", "CSV needs a column mapping: which columns hold the user and assistant text");
  if (!isRecord(row)) return formatError(line, "data_type", "expected a CSV row keyed by column name");
  const cell = (column: string | undefined): string | undefined => {
    if (column === undefined) return undefined;
    const v = row[column];
    return typeof v === "string" ? v : undefined;
  };
  const user = cell(mapping.user);
  if (user === undefined) return formatError(line, "missing_field", `row has no "${mapping.user}" column (mapped to user)`);
  const assistant = cell(mapping.assistant);
  if (assistant === undefined) return formatError(line, "missing_field", `row has no "${mapping.assistant}" column (mapped to assistant)`);
  const system = cell(mapping.system);

  const messages: ChatMessage[] = [];
  // An empty system cell means "no system prompt for this row", not an empty system message.
  if (system !== undefined && system.trim() !== "") messages.push({ role: "system", content: system });
  messages.push({ role: "user", content: user }, { role: "assistant", content: assistant });
  return { kind: "chat", example: { messages } };
}
