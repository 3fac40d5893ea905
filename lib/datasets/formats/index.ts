import { convertAlpaca } from "./alpaca";
import { convertCsvRow } from "./csv";
import { convertOpenAiChat } from "./openai-chat";
import { convertPreference } from "./preference";
import { convertPromptCompletion } from "./prompt-completion";
import { convertShareGpt } from "./sharegpt";
import type { ConvertOptions, ConvertResult, DatasetFormat } from "./types";

export type * from "./types";
export { detectFormat } from "./detect";
export { CsvParser, CsvSyntaxError, parseCsv, type CsvRecord } from "./csv-parse";
export { checkCsvMapping, csvRowFromRecord, type CsvRow } from "./csv";
export { CsvMappingError, readCsvRows, type CsvFileRow } from "./csv-file";

/**
 * Normalizes one parsed record (a JSON value, or a CsvRow for "csv") of a known format to an OpenAI chat or
 * preference example. `line` is the record's 1-based line in the file, used in every error.
 */
export function convertRecord(record: unknown, format: DatasetFormat, line: number, options: ConvertOptions = {}): ConvertResult {
  switch (format) {
    case "openai-chat":
      return convertOpenAiChat(record, line);
    case "preference":
      return convertPreference(record, line);
    case "alpaca":
      return convertAlpaca(record, line);
    case "sharegpt":
      return convertShareGpt(record, line);
    case "prompt-completion":
      return convertPromptCompletion(record, line);
    case "csv":
      return convertCsvRow(record, line, options.csvMapping);
  }
}
