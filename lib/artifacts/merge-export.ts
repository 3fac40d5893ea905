import type { PrismaClient } from "@prisma/client";
import { HttpError, notFound } from "../http/errors";
import type { QueueSet } from "../queue/queues";
import { existingDataFolder } from "./paths";
import { mergedExportView, type MergedExportView } from "./view";

// "Export merged model": an Artifact row (merged_model, pending) is the record of the request, then the
// gpu-jobs/model.merge job does the work (merge-run.ts). Asking again while one is pending or running
// returns that one instead of merging twice; a failed export can be asked again.

/** Where an export's model folder goes, relative to the data directory. */
export function mergedExportPath(jobId: string, artifactId: string): string {
  return `exports/${jobId}/merged-${artifactId}`;
}

export async function createMergeExport(db: PrismaClient, q: Pick<QueueSet, "enqueue">, jobId: string): Promise<{ created: boolean; artifact: MergedExportView }> {
  const job = await db.fineTuneJob.findUnique({ where: { id: jobId }, select: { id: true, provider: true, status: true, adapterPath: true } });
  if (!job) throw notFound(`Job ${jobId}`);
  if (job.provider !== "local") throw new HttpError(409, "not_local_job", `Job ${jobId} ran at ${job.provider}; only local jobs have an adapter to merge.`);
  if (job.status !== "succeeded" || !job.adapterPath) {
    throw new HttpError(409, "no_adapter", `Job ${jobId} is ${job.status}; a merged model can be exported once it has succeeded with an adapter.`);
  }
  existingDataFolder(job.adapterPath, `The adapter of job ${jobId}`);

  const inFlight = await db.artifact.findFirst({ where: { jobId, kind: "merged_model", status: { in: ["pending", "running"] } }, orderBy: { createdAt: "desc" } });
  if (inFlight) {
    // Re-enqueue: idempotent by artifact id, and it puts the work back if Redis lost it.
    await q.enqueue("gpu-jobs", "model.merge", { artifactId: inFlight.id });
    return { created: false, artifact: mergedExportView(inFlight) };
  }
  const artifact = await db.$transaction(async (tx) => {
    const a = await tx.artifact.create({ data: { jobId, kind: "merged_model", path: "", sizeBytes: 0n, status: "pending" } });
    return tx.artifact.update({ where: { id: a.id }, data: { path: mergedExportPath(jobId, a.id) } });
  });
  try {
    await q.enqueue("gpu-jobs", "model.merge", { artifactId: artifact.id });
  } catch (err) {
    const message = `Could not queue the merge (${(err as Error).message}); is Redis running? Ask for the export again.`;
    await db.artifact.update({ where: { id: artifact.id }, data: { status: "failed", errorMessage: message } });
    throw new HttpError(503, "queue_unavailable", message);
  }
  return { created: true, artifact: mergedExportView(artifact) };
}

export async function getArtifact(db: PrismaClient, artifactId: string): Promise<MergedExportView & { jobId: string; kind: string }> {
  const a = await db.artifact.findUnique({ where: { id: artifactId } });
  if (!a) throw notFound(`Artifact ${artifactId}`);
  return { ...mergedExportView(a), jobId: a.jobId, kind: a.kind };
}
