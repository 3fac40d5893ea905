import type { DatasetImport } from "@prisma/client";
import { importOptionsSchema, type ImportReport, type ImportStatus, type ImportView } from "./types";

/** The API form of a DatasetImport row (BigInt byte counts as numbers, dates as ISO strings). */
export function importView(row: DatasetImport): ImportView {
  const options = importOptionsSchema.safeParse(row.options);
  return {
    id: row.id,
    datasetId: row.datasetId,
    fileName: row.fileName,
    format: row.format,
    status: row.status as ImportStatus,
    options: options.success ? options.data : importOptionsSchema.parse({}),
    bytes: Number(row.bytes),
    bytesRead: Number(row.bytesRead),
    lines: row.lines,
    imported: row.imported,
    skipped: row.skipped,
    report: (row.report as ImportReport | null) ?? null,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}
