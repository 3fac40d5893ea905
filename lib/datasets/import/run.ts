import { rm } from "node:fs/promises";
import path from "node:path";
import type { Prisma, PrismaClient } from "@prisma/client";
import { dataDir } from "../../env";
import { DEFAULT_JOB_OPTIONS } from "../../queue/contracts";
import type { QueueSet } from "../../queue/queues";
import { CsvMappingError, CsvSyntaxError, type DatasetFormat } from "../formats";
import { JsonlFileError } from "../read/jsonl-stream";
import { newExampleRow } from "../rows/build";
import type { StoredIssue } from "../rows/issues";
import { requestAnalysis } from "../rows/changed";
import { readCsvPreview } from "./csv-preview";
import { toDbRow } from "./insert-rows";
import { detectFileFormat, readCsvRecords, readJsonlRecords, UnrecognizedFormatError, type ImportRecord } from "./records";
import { ReportBuilder } from "./report";
import { ImportTx } from "./write-tx";
import { importOptionsSchema, type ImportOptions, type ImportReport, type LineFinding } from "./types";

// The `datasets.import` job. One pass over the staged file converts, validates and inserts every line inside
// ONE transaction, which also marks the import succeeded. So a crash or a retry can never leave half a file in
// the dataset (a retry finds the row still "importing" and starts over), and a finished import is never
// imported twice (a retry finds it "succeeded" and stops). When lines are invalid and the user did not ask to
// skip them, the transaction rolls back and the import waits for review with a report of every bad line.

const INSERT_CHUNK = 1000;
const PROGRESS_EVERY_MS = 500;

/** Rolls the import's transaction back without being an error of the job. */
class StopImport extends Error {
  constructor(readonly outcome: "refused" | "cancelled" | "nothing_valid", readonly report?: ImportReport) {
    super(outcome);
  }
}

/** Problems with the file itself: the import fails with the message, the job does not retry. */
function isFileProblem(err: unknown): err is Error {
  return err instanceof JsonlFileError || err instanceof CsvSyntaxError || err instanceof CsvMappingError || err instanceof UnrecognizedFormatError;
}

export function stagedFilePath(stagedPath: string): string {
  return path.join(dataDir(), stagedPath);
}

export async function removeStagedFile(stagedPath: string | null): Promise<void> {
  if (stagedPath) await rm(path.dirname(stagedFilePath(stagedPath)), { recursive: true, force: true });
}

type Finish = Prisma.DatasetImportUpdateInput;

export async function runDatasetImport(opts: { db: PrismaClient; importId: string; queues?: QueueSet }): Promise<unknown> {
  const { db, importId } = opts;
  const imp = await db.datasetImport.findUnique({ where: { id: importId } });
  // Only an import the user has committed to runs; anything else is a repeated or stale job.
  if (!imp || imp.status !== "importing" || !imp.stagedPath) return { importId, status: imp?.status ?? "missing", ran: false };
  const options = importOptionsSchema.parse(imp.options);
  const file = stagedFilePath(imp.stagedPath);

  // Runs of this import so far: a run that dies mid-way leaves its phase in the report; the last allowed retry
  // marks the import failed instead of leaving it "importing" forever.
  const previous = imp.report as { phase?: string; attempt?: number } | null;
  const attempt = previous?.phase ? (previous.attempt ?? 1) + 1 : 1;

  const end = async (data: Finish) => {
    await db.datasetImport.updateMany({ where: { id: importId, status: "importing" }, data: { ...data, finishedAt: new Date() } });
  };

  try {
    await db.datasetImport.update({ where: { id: importId }, data: { report: { phase: "validating", attempt } } });
    const isCsv = options.format === "csv" || (options.format === "auto" && /\.(csv|tsv)$/i.test(imp.fileName));
    if (isCsv && !options.csvMapping) {
      const csv = await readCsvPreview(file, imp.fileName);
      const report: ImportReport = { ...new ReportBuilder("csv").finish(), warnings: [], warningCounts: {}, csv };
      await db.datasetImport.updateMany({ where: { id: importId, status: "importing" }, data: { status: "needs_review", format: "csv", report: report as unknown as Prisma.InputJsonValue } });
      return { importId, status: "needs_review", reason: "csv_mapping" };
    }
    const format: DatasetFormat = isCsv ? "csv" : options.format === "auto" ? await detectFileFormat(file, imp.fileName) : (options.format as DatasetFormat);
    const records = format === "csv" ? readCsvRecords(file, options.csvMapping!) : readJsonlRecords(file, format);
    await db.datasetImport.update({ where: { id: importId }, data: { format, report: { phase: "validating", format, attempt } } });

    const result = await writeRecords({ db, importId, datasetId: imp.datasetId, fileName: imp.fileName, fileBytes: imp.bytes, format, options, records, attempt });
    await removeStagedFile(imp.stagedPath);
    await db.datasetImport.update({ where: { id: importId }, data: { stagedPath: null } });
    await requestAnalysis(imp.datasetId, result.revision, opts.queues ? { queues: opts.queues } : {});
    return { importId, status: "succeeded", imported: result.imported, skipped: result.skipped };
  } catch (err) {
    if (err instanceof StopImport) {
      if (err.outcome === "cancelled") return { importId, status: "cancelled" };
      const report = err.report as unknown as Prisma.InputJsonValue;
      const counts = { lines: err.report!.lines, skipped: err.report!.invalidLines };
      if (err.outcome === "refused") {
        // The staged file stays: the user may still import the valid lines.
        await db.datasetImport.updateMany({ where: { id: importId, status: "importing" }, data: { status: "needs_review", report, ...counts } });
        return { importId, status: "needs_review", invalidLines: err.report!.invalidLines };
      }
      await end({ status: "failed", report, ...counts, error: `No line of ${imp.fileName} is a valid example; fix the errors listed and upload it again.` });
      await removeStagedFile(imp.stagedPath);
      return { importId, status: "failed" };
    }
    if (isFileProblem(err)) {
      await end({ status: "failed", error: err.message });
      await removeStagedFile(imp.stagedPath);
      return { importId, status: "failed", error: err.message };
    }
    // Database or disk trouble: nothing was committed, so BullMQ's retry starts over; after the last one, say so.
    if (attempt >= DEFAULT_JOB_OPTIONS.attempts) {
      await end({ status: "failed", error: `The import stopped with an error ${attempt} times (${(err as Error).message}); nothing was added. Check the worker log, then upload the file again.` });
      await removeStagedFile(imp.stagedPath);
      return { importId, status: "failed", error: (err as Error).message };
    }
    throw err;
  }
}

type WriteInput = {
  db: PrismaClient;
  importId: string;
  datasetId: string;
  fileName: string;
  fileBytes: bigint;
  format: DatasetFormat;
  options: ImportOptions;
  records: AsyncIterable<ImportRecord>;
  attempt: number;
};

async function writeRecords(input: WriteInput): Promise<{ imported: number; skipped: number; revision: number }> {
  const { db, importId, datasetId, options } = input;
  const source = input.fileName.replace(/:/g, "_");
  const { tx, revision, nextPosition } = await ImportTx.begin(datasetId);
  try {
    let position = nextPosition;
    const report = new ReportBuilder(input.format);
    const now = new Date().toISOString();
    let chunk: Record<string, unknown>[] = [];
    let lastProgress = Date.now();
    let bytesRead = 0;
    // Once a line is invalid and the user has not chosen to skip, the rows will be rolled back: stop inserting.
    let writing = true;

    for await (const record of input.records) {
      bytesRead += record.bytes;
      if ("blank" in record) {
        report.blank();
      } else if (record.converted === null) {
        report.invalid(record.line, record.findings);
        if (!options.skipInvalid) writing = false;
      } else {
        const row = newExampleRow(record.converted, { datasetId, position, split: options.split, source: `${source}:${record.line}` });
        const stored = row.issues as unknown as StoredIssue[];
        const at = (i: StoredIssue): LineFinding => ({ line: record.line, code: i.code, message: i.message });
        const errors = [...record.findings, ...stored.filter((i) => i.severity === "error").map(at)];
        const warnings = stored.filter((i) => i.severity !== "error").map(at);
        if (errors.length > 0) {
          report.invalid(record.line, errors, warnings);
          if (!options.skipInvalid) writing = false;
        } else {
          report.valid(record.line, warnings, row.contentHash);
          position += 1;
          if (writing) chunk.push(toDbRow(row, now));
        }
      }
      if (chunk.length >= INSERT_CHUNK || (!writing && chunk.length > 0)) {
        if (writing) await tx.insert(chunk);
        chunk = [];
      }
      if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = Date.now();
        const moved = await db.datasetImport.updateMany({
          where: { id: importId, status: "importing" },
          data: { lines: report.lines, bytesRead: BigInt(Math.min(bytesRead, Number(input.fileBytes))), report: { phase: writing ? "writing" : "validating", format: input.format, attempt: input.attempt } },
        });
        if (moved.count === 0) throw new StopImport("cancelled");
      }
    }
    if (writing) await tx.insert(chunk);
    const imported = await tx.drain();
    const final = report.finish();
    if (final.validLines === 0) throw new StopImport("nothing_valid", final);
    if (final.invalidLines > 0 && !options.skipInvalid) throw new StopImport("refused", final);
    // The status flips in the same transaction as the rows: committed rows always mean "succeeded".
    const marked = await tx.markSucceeded(importId, { imported, skipped: final.invalidLines, lines: final.lines, bytesRead: input.fileBytes, report: final });
    if (!marked) throw new StopImport("cancelled");
    await tx.commit();
    return { imported, skipped: final.invalidLines, revision };
  } catch (err) {
    await tx.rollback().catch(() => undefined);
    throw err;
  }
}
