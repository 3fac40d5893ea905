import { readJsonlLines } from "../read/jsonl-stream";
import { DatasetValidator, type DatasetOptions, type DatasetReport } from "./dataset";
import type { Split } from "./types";

// Validates JSONL files by streaming them line by line into one DatasetValidator. Throws JsonlFileError
// (missing, directory, binary) before any finding is made; invalid UTF-8 is a finding on its line.

export type FileToValidate = { path: string; split: Split };

export async function validateFiles(files: readonly FileToValidate[], opts: DatasetOptions = {}): Promise<DatasetReport> {
  const validator = new DatasetValidator(opts);
  for (const { path, split } of files) {
    for await (const item of readJsonlLines(path)) {
      if (item.text === null) {
        validator.addUnreadableLine({ line: item.line, code: item.error.code, severity: "error", message: item.error.message, ...(split === "train" ? {} : { split }) });
        continue;
      }
      validator.addLine({ line: item.line, split, text: item.text });
    }
  }
  return validator.finish();
}
