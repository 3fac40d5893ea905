import { readJsonlLines } from "../datasets/read/jsonl-stream";
import {
  convertRecord,
  detectFormat,
  readCsvRows,
  type ConvertedRecord,
  type CsvColumnMapping,
  type DatasetFormat,
  type FormatError,
} from "../datasets/formats";
import { countChatExampleTokens } from "../tokens/count";
import { defaultTrainingPrice, estimateBilling, type BillingEstimate } from "./estimate";

// Offline training-cost estimate for a JSONL file in any supported format (what `tuneforge estimate` prints).
// Streams the file: only the token count of each example is kept, so a 200 MB file fits in memory.

/** Records read before the format is decided (detectFormat takes the majority of these). */
const DETECT_WINDOW = 20;

export type FileEstimate = {
  estimate: BillingEstimate;
  format: DatasetFormat | null;
  /** Lines that are not valid examples, in file order. */
  invalid: FormatError[];
};

/** Training tokens of a converted example. A preference pair counts its prompt and both replies (an estimate). */
export function convertedExampleTokens(converted: ConvertedRecord, model: string): number {
  if (converted.kind === "chat") return countChatExampleTokens(converted.example, model);
  const { input, preferred_output, non_preferred_output } = converted.example;
  return countChatExampleTokens({ messages: [...input.messages, ...preferred_output, ...non_preferred_output], tools: input.tools }, model);
}

type Parsed = { line: number; value: unknown } | { line: number; error: FormatError };

function parseLine(line: number, text: string | null, utf8Error?: string): Parsed {
  if (text === null) return { line, error: { line, code: "invalid_utf8", message: utf8Error ?? `line ${line}: not valid UTF-8` } };
  if (text.trim() === "") return { line, error: { line, code: "invalid_json", message: `line ${line}: empty line; remove it (every line must be one example)` } };
  try {
    return { line, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { line, error: { line, code: "invalid_json", message: `line ${line}: invalid JSON (${(err as Error).message}); fix or remove the line` } };
  }
}

export type EstimateFileOptions = {
  file: string;
  model: string;
  epochs?: number;
  /** Read FILE as CSV with this column mapping (JSONL, format detected, when absent). */
  csv?: CsvColumnMapping;
};

/**
 * Reads FILE, converts every line and estimates billing with the cookbook heuristic (or fixed epochs).
 * Throws JsonlFileError when the file cannot be read as text at all (and CsvMappingError / CsvSyntaxError
 * for a CSV whose mapping or quoting is wrong).
 */
export async function estimateFile(opts: EstimateFileOptions): Promise<FileEstimate> {
  const { exampleTokens, invalid, format } = opts.csv ? await csvTokens(opts.file, opts.csv, opts.model) : await jsonlTokens(opts.file, opts.model);
  const estimate = estimateBilling({ exampleTokens, model: opts.model, epochs: opts.epochs, usdPerMTok: defaultTrainingPrice(opts.model) });
  return { estimate, format, invalid };
}

type Tokens = { exampleTokens: number[]; invalid: FormatError[]; format: DatasetFormat | null };

async function csvTokens(file: string, mapping: CsvColumnMapping, model: string): Promise<Tokens> {
  const exampleTokens: number[] = [];
  const invalid: FormatError[] = [];
  for await (const r of readCsvRows(file, mapping)) {
    const result = "error" in r ? r : convertRecord(r.row, "csv", r.line, { csvMapping: mapping });
    if ("error" in result) invalid.push(result.error);
    else exampleTokens.push(convertedExampleTokens(result, model));
  }
  return { exampleTokens, invalid, format: "csv" };
}

async function jsonlTokens(file: string, model: string): Promise<Tokens> {
  const exampleTokens: number[] = [];
  const invalid: FormatError[] = [];
  const pending: Parsed[] = [];
  let format: Exclude<DatasetFormat, "csv"> | null = null;
  let decided = false;

  const consume = (p: Parsed): void => {
    if ("error" in p) {
      invalid.push(p.error);
      return;
    }
    if (!format) {
      const message = `line ${p.line}: not an example in any supported format (OpenAI chat, DPO, Alpaca, ShareGPT, prompt/completion)`;
      invalid.push({ line: p.line, code: "unrecognized_format", message });
      return;
    }
    const result = convertRecord(p.value, format, p.line);
    if ("error" in result) invalid.push(result.error);
    else exampleTokens.push(convertedExampleTokens(result, model));
  };
  const decide = () => {
    decided = true;
    format = detectFormat(pending.flatMap((p) => ("value" in p ? [p.value] : [])));
    for (const p of pending.splice(0)) consume(p);
  };

  for await (const l of readJsonlLines(file)) {
    const parsed = parseLine(l.line, l.text, "error" in l ? l.error.message : undefined);
    if (decided) consume(parsed);
    else {
      pending.push(parsed);
      if (pending.filter((p) => "value" in p).length >= DETECT_WINDOW) decide();
    }
  }
  if (!decided) decide();
  return { exampleTokens, invalid, format };
}
