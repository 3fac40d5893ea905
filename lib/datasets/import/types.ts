import { z } from "zod";
import type { CsvColumnMapping, DatasetFormat } from "../formats";

// Shapes shared by the import pipeline, its API and the UI: what the user chose (options) and what the
// worker found (report). Both live as JSON on the DatasetImport row.

export const IMPORT_FORMATS = ["auto", "openai-chat", "preference", "alpaca", "sharegpt", "prompt-completion", "csv"] as const;
export type ImportFormatChoice = (typeof IMPORT_FORMATS)[number];

export const csvMappingSchema = z.object({
  system: z.string().min(1).optional(),
  user: z.string().min(1, "choose the column that holds the user text"),
  assistant: z.string().min(1, "choose the column that holds the assistant text"),
});

export const importOptionsSchema = z.object({
  format: z.enum(IMPORT_FORMATS).default("auto"),
  skipInvalid: z.boolean().default(false),
  split: z.enum(["train", "validation"]).default("train"),
  csvMapping: csvMappingSchema.optional(),
});
export type ImportOptions = z.infer<typeof importOptionsSchema>;

/** One finding with the file line it sits on (0 = the whole file). */
export type LineFinding = { line: number; code: string; message: string };

export type CsvPreview = {
  columns: string[];
  /** The first data rows, cell by cell, in column order. */
  rows: string[][];
  suggestedMapping: Partial<CsvColumnMapping>;
};

export type ImportReport = {
  format: DatasetFormat | null;
  /** Where a running import is: reading and checking lines, or committing them. */
  phase?: "validating" | "writing";
  lines: number;
  blankLines: number;
  validLines: number;
  invalidLines: number;
  /** Error findings, first MAX_LISTED in line order; `errorCounts` has them all by code. */
  errors: LineFinding[];
  warnings: LineFinding[];
  errorCounts: Record<string, number>;
  warningCounts: Record<string, number>;
  /** Line numbers that will be (or were) skipped, first MAX_INVALID_LINES. */
  invalidLineNumbers: number[];
  /** More findings exist than are listed. */
  truncated: boolean;
  /** Set while a CSV waits for its column mapping. */
  csv?: CsvPreview;
};

export type ImportStatus = "uploading" | "needs_review" | "importing" | "succeeded" | "failed" | "cancelled";

/** What the API returns for one import. */
export type ImportView = {
  id: string;
  datasetId: string;
  fileName: string;
  format: string | null;
  status: ImportStatus;
  options: ImportOptions;
  bytes: number;
  bytesRead: number;
  lines: number;
  imported: number;
  skipped: number;
  report: ImportReport | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
};

export const FINAL_STATUSES: readonly ImportStatus[] = ["succeeded", "failed", "cancelled"];
