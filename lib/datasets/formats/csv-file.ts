import fs from "node:fs";
import { JsonlFileError } from "../read/jsonl-stream";
import { checkCsvMapping, csvRowFromRecord, type CsvRow } from "./csv";
import { CsvParser } from "./csv-parse";
import type { CsvColumnMapping, FormatError } from "./types";

// Streams a CSV file into rows keyed by the header, a chunk at a time. File-level problems (missing,
// directory, binary, a mapping that names no header column, broken quoting: CsvSyntaxError) throw: no row after them can be
// trusted. Row-level problems (wrong field count) are yielded with their line so the rest can go on.

/** The column mapping names a column the header does not have. */
export class CsvMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CsvMappingError";
  }
}

export type CsvFileRow = { line: number; row: CsvRow } | { line: number; error: FormatError };

const BINARY_SNIFF_BYTES = 8000;

export async function* readCsvRows(file: string, mapping: CsvColumnMapping): AsyncGenerator<CsvFileRow> {
  const stat = await fs.promises.stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") throw new JsonlFileError("not_found", `${file}: no such file`);
    throw new JsonlFileError("unreadable", `${file}: cannot read (${err.message})`);
  });
  if (stat.isDirectory()) throw new JsonlFileError("is_directory", `${file} is a directory; pass a .csv file`);

  const parser = new CsvParser();
  // fatal: bytes that are not UTF-8 stop the read instead of turning into U+FFFD in someone's training data.
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const decode = (chunk?: Buffer): string => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new JsonlFileError("unreadable", `${file} is not valid UTF-8 text (after line ${parser.currentLine}); save it as UTF-8`);
    }
  };
  let header: string[] | null = null;
  let sniffed = 0;

  function* rows(records: ReturnType<CsvParser["push"]>): Generator<CsvFileRow> {
    for (const record of records) {
      if (!header) {
        header = record.fields;
        const bad = checkCsvMapping(header, mapping);
        if (bad) throw new CsvMappingError(`${file} ${bad.message}`);
        continue;
      }
      const row = csvRowFromRecord(header, record);
      yield "error" in row ? { line: record.line, error: row.error as FormatError } : { line: record.line, row };
    }
  }

  const stream = fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (sniffed < BINARY_SNIFF_BYTES) {
        if (chunk.subarray(0, BINARY_SNIFF_BYTES - sniffed).includes(0)) {
          throw new JsonlFileError("binary_file", `${file} looks like a binary file (it contains NUL bytes), not CSV text`);
        }
        sniffed += chunk.length;
      }
      yield* rows(parser.push(decode(chunk)));
    }
    yield* rows([...parser.push(decode()), ...parser.end()]);
  } finally {
    stream.destroy();
  }
}
