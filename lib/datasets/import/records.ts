import { convertRecord, detectFormat, readCsvRows, type ConvertedRecord, type CsvColumnMapping, type DatasetFormat } from "../formats";
import { readJsonlLines } from "../read/jsonl-stream";
import { parseJsonLine } from "../validate/parse";
import type { LineFinding } from "./types";

// Reads a staged upload as a stream of records, whatever its format: each line becomes an example
// (converted to OpenAI chat/preference form), a blank, or the findings that stop it from being one.
// File-level problems (missing, binary, a CSV mapping naming no column, broken CSV quoting) throw.

export type ImportRecord = { line: number; /** Bytes of the line (for progress). */ bytes: number } & (
  | { blank: true }
  | { converted: ConvertedRecord; findings: LineFinding[] }
  | { converted: null; findings: LineFinding[] }
);

/** A file whose format cannot be recognized; the import fails with this message. */
export class UnrecognizedFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnrecognizedFormatError";
  }
}

const DETECT_RECORDS = 200;
// An escaped NUL (an odd run of backslashes before "u0000"): Postgres jsonb rejects it, which would fail the
// whole transaction instead of one line.
const NUL_ESCAPE = /(?<!\\)(?:\\\\)*\\u0000/;

const SUPPORTED =
  'OpenAI chat {"messages": […]}, DPO {"input", "preferred_output", "non_preferred_output"}, Alpaca {"instruction", "input", "output"}, ' +
  'ShareGPT {"conversations": [{"from", "value"}]}, or {"prompt", "completion"}';

/** The JSONL format of a file, from its first parseable records. */
export async function detectFileFormat(file: string, fileName: string): Promise<Exclude<DatasetFormat, "csv">> {
  const records: unknown[] = [];
  let firstLine: { line: number; keys: string } | null = null;
  let nonBlank = 0;
  for await (const item of readJsonlLines(file)) {
    if (item.text === null || item.text.trim() === "") continue;
    nonBlank += 1;
    try {
      const value = JSON.parse(item.text) as unknown;
      records.push(value);
      if (!firstLine && value && typeof value === "object" && !Array.isArray(value)) firstLine = { line: item.line, keys: Object.keys(value).join(", ") || "none" };
    } catch {
      // Unparseable lines are reported by the import pass with their line numbers.
    }
    if (nonBlank >= DETECT_RECORDS) break;
  }
  if (nonBlank === 0) throw new UnrecognizedFormatError(`${fileName} has no examples (it is empty or only blank lines); add one JSON object per line`);
  const format = detectFormat(records);
  if (format) return format;
  if (records.length === 0) {
    // Nothing parsed: let the per-line pass report invalid_json on every line (with numbers).
    return "openai-chat";
  }
  const why = firstLine ? `line ${firstLine.line} has keys ${firstLine.keys}` : "the lines are not JSON objects";
  throw new UnrecognizedFormatError(`${fileName}: no supported format recognized (${why}). Expected one JSON object per line: ${SUPPORTED}.`);
}

function fromError(line: number, bytes: number, error: { code: string; message: string }): ImportRecord {
  return { line, bytes, converted: null, findings: [{ line, code: error.code, message: error.message }] };
}

/**
 * Chat and DPO lines may share a file (an export of a dataset holding both kinds is one): each such line is
 * read as its own kind. Other formats are converted as detected, so a stray line is reported, not guessed.
 */
function ownFormat(value: unknown, format: Exclude<DatasetFormat, "csv">): Exclude<DatasetFormat, "csv"> {
  if (format !== "openai-chat" && format !== "preference") return format;
  const own = detectFormat([value]);
  return own === "openai-chat" || own === "preference" ? own : format;
}

export async function* readJsonlRecords(file: string, format: Exclude<DatasetFormat, "csv">): AsyncGenerator<ImportRecord> {
  for await (const item of readJsonlLines(file)) {
    if (item.text === null) {
      yield fromError(item.line, 0, item.error);
      continue;
    }
    const bytes = Buffer.byteLength(item.text) + 1;
    if (item.text.trim() === "") {
      yield { line: item.line, bytes, blank: true };
      continue;
    }
    if (NUL_ESCAPE.test(item.text)) {
      const message = `line ${item.line}: contains a NUL character (\\u0000), which the database cannot store and no model needs; remove it`;
      yield { line: item.line, bytes, converted: null, findings: [{ line: item.line, code: "invalid_content", message }] };
      continue;
    }
    const parsed = parseJsonLine(item.text, item.line);
    const findings: LineFinding[] = parsed.issues.map((i) => ({ line: item.line, code: i.code, message: i.message }));
    if (!parsed.ok) {
      yield { line: item.line, bytes, converted: null, findings };
      continue;
    }
    const result = convertRecord(parsed.value, ownFormat(parsed.value, format), item.line);
    if ("error" in result) {
      yield { line: item.line, bytes, converted: null, findings: [...findings, { line: item.line, code: result.error.code, message: result.error.message }] };
      continue;
    }
    yield { line: item.line, bytes, converted: result, findings };
  }
}

export async function* readCsvRecords(file: string, mapping: CsvColumnMapping): AsyncGenerator<ImportRecord> {
  for await (const item of readCsvRows(file, mapping)) {
    if ("error" in item) {
      yield fromError(item.line, 0, item.error);
      continue;
    }
    const cells = Object.values(item.row);
    // Approximate (quotes and multi-byte characters aside): only the progress bar uses it.
    const bytes = cells.reduce((n, cell) => n + cell.length + 1, 0);
    if (cells.every((cell) => cell.trim() === "")) {
      yield { line: item.line, bytes, blank: true };
      continue;
    }
    const result = convertRecord(item.row, "csv", item.line, { csvMapping: mapping });
    yield "error" in result ? fromError(item.line, bytes, result.error) : { line: item.line, bytes, converted: result, findings: [] };
  }
}
