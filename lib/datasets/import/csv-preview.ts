import fs from "node:fs";
import { CsvParser, type CsvColumnMapping, type CsvRecord } from "../formats";
import { JsonlFileError } from "../read/jsonl-stream";
import type { CsvPreview } from "./types";

// The CSV mapping step: the header, the first rows and a guess at which columns hold which role, read from
// the head of the file only (the rest streams later, once the user has chosen).

const PREVIEW_ROWS = 5;
const HEAD_BYTES = 1024 * 1024;

const GUESSES: { part: keyof CsvColumnMapping; pattern: RegExp }[] = [
  { part: "system", pattern: /^(system|system[_ ]?prompt|instructions?)$/i },
  { part: "user", pattern: /^(user|prompt|question|query|input|instruction|human|customer|message)$/i },
  { part: "assistant", pattern: /^(assistant|answer|response|completion|output|reply|bot|agent|gpt)$/i },
];

export function suggestCsvMapping(columns: readonly string[]): Partial<CsvColumnMapping> {
  const mapping: Partial<CsvColumnMapping> = {};
  const taken = new Set<string>();
  for (const { part, pattern } of GUESSES) {
    const column = columns.find((c) => !taken.has(c) && pattern.test(c.trim()));
    if (column) {
      mapping[part] = column;
      taken.add(column);
    }
  }
  // Two unnamed columns are almost always question, answer.
  const free = columns.filter((c) => !taken.has(c));
  if (!mapping.user && free[0]) taken.add((mapping.user = free.shift()!));
  if (!mapping.assistant && free[0]) mapping.assistant = free.shift()!;
  return mapping;
}

export async function readCsvPreview(file: string, fileName: string): Promise<CsvPreview> {
  const handle = await fs.promises.open(file, "r");
  let head: Buffer;
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buf, 0, HEAD_BYTES, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (head.length === 0) throw new JsonlFileError("unreadable", `${fileName} is empty; a CSV needs a header row and at least one data row`);
  if (head.subarray(0, 8000).includes(0)) throw new JsonlFileError("binary_file", `${fileName} looks like a binary file (it contains NUL bytes), not CSV text`);
  // The head may end inside a character or a record: decode leniently and drop the incomplete last record.
  const parser = new CsvParser();
  const records: CsvRecord[] = parser.push(new TextDecoder("utf-8").decode(head));
  if (head.length < HEAD_BYTES) records.push(...parser.end());
  const [header, ...rows] = records;
  if (!header) throw new JsonlFileError("unreadable", `${fileName} has no header row; the first line must name the columns`);
  const columns = header.fields;
  return { columns, rows: rows.slice(0, PREVIEW_ROWS).map((r) => r.fields), suggestedMapping: suggestCsvMapping(columns) };
}
