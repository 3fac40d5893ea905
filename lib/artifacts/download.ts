import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import { HttpError, notFound } from "../http/errors";
import { ADAPTER_EXCLUDES } from "./list";
import { existingDataFolder, listFolderFiles } from "./paths";
import { tarGzStream } from "./tar";

// Folder downloads as .tar.gz: the final adapter, one checkpoint, or a ready merged-model export. The folder
// comes from Postgres, never from the request, and is confined to the data directory (paths.ts).

export type FolderDownload = { dir: string; filename: string; exclude?: string[] };

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "model";
}

async function localJob(db: PrismaClient, jobId: string) {
  const job = await db.fineTuneJob.findUnique({ where: { id: jobId }, select: { id: true, provider: true, status: true, baseModel: true, adapterPath: true } });
  if (!job) throw notFound(`Job ${jobId}`);
  if (job.provider !== "local") throw new HttpError(409, "not_local_job", `Job ${jobId} ran at ${job.provider}; only local jobs have adapter files to download.`);
  return job;
}

export async function adapterDownload(db: PrismaClient, jobId: string): Promise<FolderDownload> {
  const job = await localJob(db, jobId);
  if (!job.adapterPath) {
    throw new HttpError(409, "no_adapter", `Job ${jobId} has no adapter yet (status ${job.status}); it is written when training finishes.`);
  }
  return { dir: existingDataFolder(job.adapterPath, `The adapter of job ${jobId}`), filename: `${safeName(job.baseModel)}-${job.id}-adapter`, exclude: ADAPTER_EXCLUDES };
}

export async function checkpointDownload(db: PrismaClient, jobId: string, step: number): Promise<FolderDownload> {
  await localJob(db, jobId);
  const c = await db.checkpoint.findUnique({ where: { jobId_step: { jobId, step } } });
  if (!c) throw notFound(`Checkpoint at step ${step} of job ${jobId}`);
  if (!c.path) throw new HttpError(409, "no_checkpoint_files", `Checkpoint ${step} of job ${jobId} has no local files.`);
  return { dir: existingDataFolder(c.path, `Checkpoint ${step} of job ${jobId}`), filename: `checkpoint-${jobId}-step-${step}` };
}

export async function mergedDownload(db: PrismaClient, artifactId: string): Promise<FolderDownload> {
  const a = await db.artifact.findUnique({ where: { id: artifactId }, include: { job: { select: { baseModel: true } } } });
  if (!a) throw notFound(`Artifact ${artifactId}`);
  if (a.status !== "ready") throw new HttpError(409, "artifact_not_ready", `Artifact ${artifactId} is ${a.status}; download it once it is ready.`);
  return { dir: existingDataFolder(a.path, `Artifact ${artifactId}`), filename: `${safeName(a.job.baseModel)}-${a.kind.replace("_", "-")}-${a.id}` };
}

/** The HTTP response for a folder download: a streamed .tar.gz with a file name. */
export function folderDownloadResponse(d: FolderDownload): Response {
  const files = listFolderFiles(d.dir, { exclude: d.exclude });
  const name = path.basename(d.filename);
  return new Response(tarGzStream(name, files), {
    headers: {
      "Content-Type": "application/gzip",
      "Content-Disposition": `attachment; filename="${name}.tar.gz"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
