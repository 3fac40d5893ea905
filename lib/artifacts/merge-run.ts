import fs from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import { loadNativeAddon, withAbort, type NativeAddon } from "../../native/index";
import { HttpError } from "../http/errors";
import { TOKENIZER_FILES } from "../models/files";
import { resolveModelDir } from "../models/resolve";
import { dataDir } from "../env";
import { dataPathOf, existingDataFolder, folderSize } from "./paths";

// The gpu-jobs/model.merge handler: base model (full precision: merging into dequantized NF4 would bake the
// quantization error into the weights) + the job's adapter → a complete HF folder (bf16 weights + config from
// the trainer, tokenizer files and chat template copied from the base), then the row is ready with its size.
// Any failure leaves the row failed with a message that says what to do; a re-run of a finished row is a no-op.

export type MergeRunDeps = {
  db: PrismaClient;
  log: { info(message: string): void; warn(message: string): void };
  signal?: AbortSignal;
  /** Defaults: the repository's addon, TUNEFORGE_DATA_DIR, TUNEFORGE_MODELS_DIR. */
  addon?: NativeAddon;
  dataRoot?: string;
  modelsRoot?: string;
};

/** Throws only when interrupted by shutdown (so the queue retries it); every other failure is a "failed" row. */
export type MergeRunResult = { outcome: "ready" | "failed" | "skipped"; path?: string; sizeBytes?: number; message?: string };


export async function runModelMerge(deps: MergeRunDeps, payload: { artifactId: string }): Promise<MergeRunResult> {
  const { db, log } = deps;
  const root = deps.dataRoot ?? dataDir();
  const artifact = await db.artifact.findUnique({ where: { id: payload.artifactId }, include: { job: true } });
  if (!artifact) {
    log.warn(`[merge] artifact ${payload.artifactId} no longer exists; nothing to do`);
    return { outcome: "skipped", message: "artifact deleted" };
  }
  if (artifact.status === "ready" || artifact.status === "failed") return { outcome: "skipped", message: `already ${artifact.status}` };

  const fail = async (message: string): Promise<MergeRunResult> => {
    await db.artifact.update({ where: { id: artifact.id }, data: { status: "failed", errorMessage: message } });
    log.warn(`[merge] artifact ${artifact.id} failed: ${message}`);
    return { outcome: "failed", message };
  };

  const job = artifact.job;
  if (!job.adapterPath) return fail(`Job ${job.id} has no adapter to merge.`);
  let adapterDir: string;
  let baseDir: string;
  let outDir: string;
  try {
    adapterDir = existingDataFolder(job.adapterPath, `The adapter of job ${job.id}`, root);
    baseDir = resolveModelDir(job.baseModel, { root: deps.modelsRoot }).dir;
    outDir = dataPathOf(artifact.path, root);
  } catch (err) {
    if (err instanceof HttpError) return fail(err.message);
    throw err;
  }

  // Shutting down: leave the row pending and fail the queue job, so BullMQ's retry (the contract's attempts
  // with backoff) starts the merge over on a worker that stays up. Completing it would end it for good.
  const interrupted = async (): Promise<never> => {
    fs.rmSync(outDir, { recursive: true, force: true });
    await db.artifact.update({ where: { id: artifact.id }, data: { status: "pending" } });
    throw new Error(`merge of artifact ${artifact.id} interrupted by shutdown; it will be retried`);
  };
  if (deps.signal?.aborted) throw new Error(`merge of artifact ${artifact.id} not started: shutting down; it will be retried`);

  await db.artifact.update({ where: { id: artifact.id }, data: { status: "running", errorMessage: null } });
  // A half-written folder from an interrupted run is replaced, never mixed with new files.
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(outDir), { recursive: true });
  const t0 = Date.now();
  let backend = "";
  try {
    const addon = deps.addon ?? loadNativeAddon();
    // The merge reads and writes files on the host: backend "cpu", so a GPU worker does not upload weights to the
    // device for nothing (it would take device memory a playground reply or the next run needs).
    const model = await addon.loadModel({ modelDir: baseDir, quant: "none", backend: "cpu" });
    backend = model.info().backend;
    try {
      await withAbort(model, deps.signal, () => model.merge(adapterDir, outDir));
    } finally {
      model.close();
    }
    if (deps.signal?.aborted) return interrupted();
    for (const name of TOKENIZER_FILES) {
      const from = path.join(baseDir, name);
      const to = path.join(outDir, name);
      if (fs.existsSync(from) && !fs.existsSync(to)) fs.copyFileSync(from, to);
    }
  } catch (err) {
    if (deps.signal?.aborted) return interrupted();
    fs.rmSync(outDir, { recursive: true, force: true });
    return fail(`Merging the adapter of job ${job.id} into ${job.baseModel} failed: ${(err as Error).message}`);
  }
  const sizeBytes = folderSize(outDir);
  await db.artifact.update({ where: { id: artifact.id }, data: { status: "ready", sizeBytes: BigInt(sizeBytes), errorMessage: null } });
  log.info(`[merge] artifact ${artifact.id}: job ${job.id} merged into ${artifact.path} on the ${backend} backend (${sizeBytes} bytes, ${Date.now() - t0} ms)`);
  return { outcome: "ready", path: artifact.path, sizeBytes };
}
