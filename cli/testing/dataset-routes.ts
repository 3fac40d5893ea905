import { rm } from "node:fs/promises";
import path from "node:path";
import { Worker } from "bullmq";
import type { PrismaClient } from "@prisma/client";
import type { Redis } from "ioredis";
import * as datasetsRoute from "../../app/api/datasets/route";
import * as importsRoute from "../../app/api/datasets/[id]/imports/route";
import * as importRoute from "../../app/api/datasets/[id]/imports/[importId]/route";
import * as importConfirmRoute from "../../app/api/datasets/[id]/imports/[importId]/confirm/route";
import * as importCancelRoute from "../../app/api/datasets/[id]/imports/[importId]/cancel/route";
import * as versionsRoute from "../../app/api/datasets/[id]/versions/route";
import { runDatasetImport } from "../../lib/datasets/import/run";
import { dataDir, env } from "../../lib/env";
import type { RouteEntry } from "./route-server";

// Test-only: what every CLI command that uploads a file needs from the server — the dataset, import and version
// routes, and a worker that writes staged imports (the `datasets.import` job the web process enqueues).

export const DATASET_IMPORT_ROUTES: RouteEntry[] = [
  { pattern: /^\/api\/datasets$/, keys: [], module: datasetsRoute },
  { pattern: /^\/api\/datasets\/([^/]+)\/imports$/, keys: ["id"], module: importsRoute },
  { pattern: /^\/api\/datasets\/([^/]+)\/imports\/([^/]+)$/, keys: ["id", "importId"], module: importRoute },
  { pattern: /^\/api\/datasets\/([^/]+)\/imports\/([^/]+)\/confirm$/, keys: ["id", "importId"], module: importConfirmRoute },
  { pattern: /^\/api\/datasets\/([^/]+)\/imports\/([^/]+)\/cancel$/, keys: ["id", "importId"], module: importCancelRoute },
  { pattern: /^\/api\/datasets\/([^/]+)\/versions$/, keys: ["id"], module: versionsRoute },
];

/** A real BullMQ worker for `datasets.import` on the installation's prefix; close it in afterAll. */
export function startImportWorker(db: PrismaClient, connection: Redis): Worker {
  return new Worker("datasets", async (job) => (job.name === "datasets.import" ? runDatasetImport({ db, importId: job.data.importId }) : null), {
    connection,
    prefix: env().TUNEFORGE_QUEUE_PREFIX,
  });
}

/**
 * Removes what `tuneforge jobs create` made in a test: its datasets (named "… (tuneforge jobs create …)"), their
 * versions, the jobs on them (and, with `attached`, every attached job), and their files.
 */
export async function removeJobsCreateDatasets(db: PrismaClient, opts: { attached?: boolean } = {}): Promise<void> {
  const datasets = await db.dataset.findMany({ where: { name: { contains: "tuneforge jobs create" } }, select: { id: true } });
  const ids = datasets.map((d) => d.id);
  const onThem = { datasetVersion: { datasetId: { in: ids } } };
  await db.fineTuneJob.deleteMany({ where: opts.attached ? { OR: [onThem, { attached: true }] } : onThem });
  await db.datasetVersion.deleteMany({ where: { datasetId: { in: ids } } });
  await db.dataset.deleteMany({ where: { id: { in: ids } } });
  for (const id of ids) await rm(path.join(dataDir(), "datasets", id), { recursive: true, force: true });
}
