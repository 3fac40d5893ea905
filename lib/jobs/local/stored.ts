import type { FineTuneJob, Prisma } from "@prisma/client";
import { localConfigSchema, type LocalConfig } from "./config";

// A local job's configuration as stored on its row (loraConfig = {lora, quantization}, hyperparameters =
// training) and back. Parsing on read fills defaults added after the job was launched.

export function storedLocalConfig(config: LocalConfig): { loraConfig: Prisma.InputJsonValue; hyperparameters: Prisma.InputJsonValue } {
  return { loraConfig: { lora: config.lora, quantization: config.quantization }, hyperparameters: config.training };
}

export function localConfigOfJob(job: Pick<FineTuneJob, "loraConfig" | "hyperparameters">): LocalConfig {
  const read = readLocalConfig(job);
  if ("problem" in read) throw new Error(`the job's stored configuration is invalid (${read.problem}); launch a new job`);
  return read.config;
}

/** The stored configuration, or what is wrong with it ("lora.rank: rank must be 1 to 1024"). */
export function readLocalConfig(job: Pick<FineTuneJob, "loraConfig" | "hyperparameters">): { config: LocalConfig } | { problem: string } {
  const lc = (job.loraConfig ?? {}) as Record<string, unknown>;
  const parsed = localConfigSchema.safeParse({ lora: lc.lora, quantization: lc.quantization, training: job.hyperparameters ?? {} });
  if (parsed.success) return { config: parsed.data };
  return { problem: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
}
