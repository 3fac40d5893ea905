import type { Prisma, PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { HttpError, notFound } from "../../http/errors";
import { jobIdFor } from "../../queue/contracts";
import { queues as defaultQueues, type QueueSet } from "../../queue/queues";
import { removeStagedFile } from "./run";
import { importOptionsSchema, type ImportView } from "./types";
import type { CsvColumnMapping } from "../formats";
import { importView } from "./view";

// Reading imports and the two decisions a user makes about one that waits for review: go on (importing only
// the valid lines, or with a CSV column mapping) or cancel.

type Deps = { db?: PrismaClient; queues?: QueueSet };

export async function getImport(opts: { datasetId: string; importId: string } & Deps): Promise<ImportView> {
  const db = opts.db ?? prisma();
  const row = await db.datasetImport.findFirst({ where: { id: opts.importId, datasetId: opts.datasetId } });
  if (!row) throw notFound("Import");
  return importView(row);
}

/** The latest imports of a dataset, newest first. */
export async function listImports(opts: { datasetId: string; limit?: number } & Deps): Promise<ImportView[]> {
  const db = opts.db ?? prisma();
  const dataset = await db.dataset.findUnique({ where: { id: opts.datasetId }, select: { id: true } });
  if (!dataset) throw notFound("Dataset");
  const rows = await db.datasetImport.findMany({ where: { datasetId: opts.datasetId }, orderBy: { createdAt: "desc" }, take: opts.limit ?? 20 });
  // Reports can be large; the list shows summaries, GET one has the full report.
  return rows.map((r) => ({ ...importView(r), report: null }));
}

async function reviewable(db: PrismaClient, datasetId: string, importId: string) {
  const row = await db.datasetImport.findFirst({ where: { id: importId, datasetId } });
  if (!row) throw notFound("Import");
  if (row.status !== "needs_review") {
    throw new HttpError(409, "import_not_waiting", `This import is ${row.status.replace("_", " ")}, not waiting for review; nothing to confirm or cancel`);
  }
  return row;
}

/**
 * Goes on with an import that waits for review. The job id is deterministic (one job per import), so the
 * finished first run is removed before queueing the next; otherwise BullMQ would treat it as a duplicate.
 */
export async function confirmImport(
  opts: { datasetId: string; importId: string; skipInvalid?: boolean; csvMapping?: CsvColumnMapping } & Deps,
): Promise<ImportView> {
  const db = opts.db ?? prisma();
  const row = await reviewable(db, opts.datasetId, opts.importId);
  const current = importOptionsSchema.parse(row.options);
  const isCsvStep = row.format === "csv" && !current.csvMapping;
  if (isCsvStep && !opts.csvMapping) throw new HttpError(400, "csv_mapping_required", "Choose which CSV columns hold the user and assistant text (csvMapping) before importing");
  const options = { ...current, skipInvalid: opts.skipInvalid ?? (isCsvStep ? current.skipInvalid : true), ...(opts.csvMapping ? { csvMapping: opts.csvMapping } : {}) };
  const moved = await db.datasetImport.updateMany({
    where: { id: row.id, status: "needs_review" },
    data: { status: "importing", options: options as Prisma.InputJsonValue, lines: 0, bytesRead: 0, skipped: 0 },
  });
  if (moved.count === 0) throw new HttpError(409, "import_not_waiting", "This import changed meanwhile; reload it");
  const q = opts.queues ?? defaultQueues();
  const jobId = jobIdFor("datasets", "datasets.import", { importId: row.id });
  await removeFinishedJob(q, jobId!);
  await q.enqueue("datasets", "datasets.import", { importId: row.id });
  return importView((await db.datasetImport.findUnique({ where: { id: row.id } }))!);
}

async function removeFinishedJob(q: QueueSet, jobId: string): Promise<void> {
  // The previous run set needs_review just before returning; give BullMQ a moment to mark it completed.
  for (let attempt = 0; attempt < 50; attempt++) {
    const job = await q.get("datasets").getJob(jobId);
    if (!job) return;
    const state = await job.getState();
    if (state !== "active") {
      await job.remove();
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new HttpError(409, "import_busy", "The previous run of this import is still finishing; try again in a moment");
}

export async function cancelImport(opts: { datasetId: string; importId: string } & Deps): Promise<ImportView> {
  const db = opts.db ?? prisma();
  const row = await db.datasetImport.findFirst({ where: { id: opts.importId, datasetId: opts.datasetId } });
  if (!row) throw notFound("Import");
  if (!["needs_review", "importing", "uploading"].includes(row.status)) {
    throw new HttpError(409, "import_finished", `This import has already ${row.status === "succeeded" ? "succeeded" : `been ${row.status}`}; there is nothing to cancel`);
  }
  // A running import notices at its next progress update and rolls back.
  const done = await db.datasetImport.updateMany({
    where: { id: row.id, status: row.status },
    data: { status: "cancelled", finishedAt: new Date(), error: null },
  });
  if (done.count === 0) throw new HttpError(409, "import_changed", "This import changed meanwhile; reload it");
  await removeStagedFile(row.stagedPath);
  return importView((await db.datasetImport.update({ where: { id: row.id }, data: { stagedPath: null } })));
}
