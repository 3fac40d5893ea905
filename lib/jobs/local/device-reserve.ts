import type { PrismaClient } from "@prisma/client";
import { trainingDeviceBytes } from "../../models/device-need";
import { resolveModelDir } from "../../models/resolve";
import { describeModel } from "../../models/scan";
import { localConfigOfJob } from "./stored";

// How much of a GPU worker's device a local job will hold, for sharing the device with playground replies
// (lib/workers/device-share.ts): null when the job trains on the CPU here (it leaves the device to replies),
// Infinity when it cannot be told (a broken configuration or model the run itself will report): unknown keeps
// replies off the device rather than risking the run.

export type JobDeviceReserve = {
  /** Before the run has read its data: the estimate at the job's maximum sequence length. */
  bytes: number;
  /** Once the run has tokenized its data: the estimate at its longest example (never above `bytes`). */
  atLongestExample(tokens: number): number;
};

/**
 * `worker.deviceTotalBytes`: the size of the device the job will train on, when known; a run asked to go without
 * checkpointing that would not fit it so is counted checkpointed, as the CUDA backend will run it.
 */
export async function jobDeviceReserve(db: PrismaClient, jobId: string, worker: { modelsDir: string; backend: "cpu" | "cuda"; deviceTotalBytes?: number }): Promise<JobDeviceReserve | null> {
  const job = await db.fineTuneJob.findUnique({ where: { id: jobId } });
  if (!job) return null;
  const unknown: JobDeviceReserve = { bytes: Infinity, atLongestExample: () => Infinity };
  let config;
  try {
    config = localConfigOfJob(job);
  } catch {
    return unknown;
  }
  const backend = config.training.backend === "auto" ? worker.backend : config.training.backend;
  if (backend === "cpu") return null;
  try {
    const model = await describeModel(resolveModelDir(job.baseModel, { root: worker.modelsDir }));
    const dpo = job.method === "dpo";
    const bytes = trainingDeviceBytes(model, config, { dpo }, worker.deviceTotalBytes);
    return { bytes, atLongestExample: (tokens) => Math.min(bytes, trainingDeviceBytes(model, config, { longestExample: tokens, dpo }, worker.deviceTotalBytes)) };
  } catch {
    return unknown;
  }
}
