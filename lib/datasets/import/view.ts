import type { DatasetImport } from "@prisma/client";
import { importOptionsSchema, type ImportReport, type ImportStatus, type ImportView } from "./types";

/**
 * While an import runs its report holds only progress ({phase, format, attempt}); one left behind by a run that
 * ended (failed, cancelled) is not a report of the file, so it is not shown as one.
 */
function reportOf(row: DatasetImport): ImportReport | null {
  const report = row.report as (Partial<ImportReport> & { phase?: string }) | null;
  if (!report) return null;
  const complete = typeof report.lines === "number" && Array.isArray(report.errors);
  return complete || row.status === "importing" || row.status === "uploading" ? (report as ImportReport) : null;
}

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
    report: reportOf(row),
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}
