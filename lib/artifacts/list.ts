import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import { HttpError, notFound } from "../http/errors";
import { existingDataFolder, listFolderFiles } from "./paths";
import { mergedExportView, type AdapterView, type CheckpointFilesView, type JobArtifactsView } from "./view";

// A job's downloadable files: the final adapter, the checkpoints the trainer kept, merged-model exports.
// Everything is read from Postgres and checked on disk, so a folder that was deleted shows as missing
// instead of offering a download that fails.

const WEIGHTS_FILE = "adapter_model.safetensors";
/** The trainer writes checkpoints inside the adapter folder; they are offered one by one, not with the adapter. */
export const ADAPTER_EXCLUDES = ["checkpoints"];

// The panel polls this list while an export runs; an adapter can be hundreds of MB, so its hash is kept
// per (file, size, mtime) instead of being read again every second.
const hashes = new Map<string, string>();

async function sha256File(file: string): Promise<string> {
  const st = fs.statSync(file);
  const key = `${file}:${st.size}:${st.mtimeMs}`;
  const known = hashes.get(key);
  if (known) return known;
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  const hex = hash.digest("hex");
  if (hashes.size > 1000) hashes.clear();
  hashes.set(key, hex);
  return hex;
}

async function adapterView(db: PrismaClient, jobId: string, adapterPath: string): Promise<AdapterView> {
  const dir = existingDataFolder(adapterPath, "The adapter folder");
  const files = listFolderFiles(dir, { exclude: ADAPTER_EXCLUDES });
  const recorded = await db.artifact.findFirst({ where: { jobId, kind: "adapter", status: "ready" }, orderBy: { createdAt: "desc" } });
  const weights = path.join(dir, WEIGHTS_FILE);
  const sha256 = recorded?.sha256 ?? (fs.existsSync(weights) ? await sha256File(weights) : null);
  return {
    path: adapterPath,
    sizeBytes: files.reduce((s, f) => s + f.size, 0),
    sha256,
    files: files.map((f) => ({ name: f.rel, sizeBytes: f.size })),
    downloadUrl: `/api/jobs/${jobId}/artifacts/adapter`,
  };
}

export async function listJobArtifacts(db: PrismaClient, jobId: string): Promise<JobArtifactsView> {
  const job = await db.fineTuneJob.findUnique({
    where: { id: jobId },
    select: { id: true, provider: true, status: true, baseModel: true, adapterPath: true },
  });
  if (!job) throw notFound(`Job ${jobId}`);

  let adapter: AdapterView | null = null;
  let adapterNote: string | null = null;
  if (job.provider !== "local") adapterNote = "Hosted jobs keep their weights at the provider; there is no adapter to download.";
  else if (!job.adapterPath) adapterNote = job.status === "succeeded" ? "This job recorded no adapter folder." : "The adapter is written when training finishes.";
  else {
    try {
      adapter = await adapterView(db, job.id, job.adapterPath);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      adapterNote = err.message;
    }
  }

  const checkpoints: CheckpointFilesView[] = [];
  for (const c of await db.checkpoint.findMany({ where: { jobId, path: { not: null } }, orderBy: { step: "asc" } })) {
    try {
      const dir = existingDataFolder(c.path!, `Checkpoint ${c.step}`);
      checkpoints.push({
        step: c.step,
        path: c.path!,
        sizeBytes: listFolderFiles(dir).reduce((s, f) => s + f.size, 0),
        metrics: (c.metrics ?? {}) as Record<string, unknown>,
        downloadUrl: `/api/jobs/${jobId}/artifacts/checkpoints/${c.step}`,
      });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err; // a checkpoint pruned from disk is simply not offered
    }
  }

  const merged = await db.artifact.findMany({ where: { jobId, kind: "merged_model" }, orderBy: { createdAt: "desc" } });
  return {
    jobId: job.id,
    provider: job.provider,
    status: job.status,
    baseModel: job.baseModel,
    adapter,
    adapterNote,
    checkpoints,
    merged: merged.map(mergedExportView),
    playgroundUrl: adapter && job.status === "succeeded" ? `/playground?job=${encodeURIComponent(job.id)}` : null,
  };
}
