import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import { prisma } from "../db/client";
import { dataDir } from "../env";
import { HttpError } from "../http/errors";
import { DEFAULT_LOCAL_CONFIG, fusedTargetsProblem, localConfigSchema, type LocalConfig } from "../jobs/local/config";
import { chatTokenizerFor } from "./chat-cache";
import { sequencesPerPass } from "./device-need";
import { workerMemory } from "./details";
import { checkFitByBackend, fitNeeds, type FitVerdict } from "./fit";
import { estimateAllMethods, microBatchSeqLen, type MemoryEstimate, type MemoryInput, type Precision, type TrainingMethod } from "./memory";
import { resolveModelDir } from "./resolve";
import { describeModel, type LocalModel } from "./scan";
import { countSplit, tokenizedSplit } from "./split-tokens";
import { skippedNote } from "../jobs/local/run/tokenize";

// The local launch form's estimate (POST /api/models/[name]/estimate): tokens per epoch counted with the
// model's own tokenizer and chat template over the frozen train split, the trainer's steps (native/src/train:
// rows → ceil(rows / batch) micro-batches → ceil(/ grad accumulation) steps per epoch), the memory estimate
// at the sequence length training will actually use, and whether it fits on what the workers report.

export const localEstimateRequestSchema = z.strictObject({
  datasetVersionId: z.string().min(1).optional(),
  config: localConfigSchema.default(DEFAULT_LOCAL_CONFIG),
});
export type LocalEstimateRequest = z.input<typeof localEstimateRequestSchema>;

export type EstimateIssue = { field: string; message: string };

export type DatasetTokens = {
  versionId: string;
  examples: number;
  /** Examples the trainer skips: no loss target within max_seq_len. */
  skipped: number;
  validationExamples: number;
  /** Tokens fed per epoch after truncation (what the trainer sees). */
  tokensPerEpoch: number;
  trainedTokensPerEpoch: number;
  validationTokens: number;
  truncatedExamples: number;
  truncatedTokens: number;
  longest: number;
  /** Sequences per epoch: one per example, or packed rows (≈: the trainer packs in a seeded order). */
  rows: number;
  /** DPO: the units are preference pairs, and a micro-batch's passes take both sequences of each. */
  preference: boolean;
};

export type LocalEstimate = {
  model: Pick<LocalModel, "name" | "parameters" | "contextLength" | "architecture" | "dtype">;
  /** max_seq_len clamped to the model's context length, as the trainer does. */
  seqLen: number;
  dataset: DatasetTokens | null;
  stepsPerEpoch: number | null;
  totalSteps: number | null;
  method: TrainingMethod;
  /** The micro-batch's sequence length the memory estimate assumes (padded to the longest example, or seqLen when packing). */
  memorySeqLen: number;
  /** In the precision of the chosen backend: fp32 for cpu, bf16 for cuda and auto. */
  precision: Precision;
  memory: MemoryEstimate[];
  fit: FitVerdict[];
  workersKnown: boolean;
  issues: EstimateIssue[];
};

function insideDataDir(root: string, rel: string): string {
  const full = path.resolve(root, rel);
  if (full !== root && !full.startsWith(root + path.sep)) throw new HttpError(400, "dataset_file_outside_data_dir", `The version's file "${rel}" points outside the data directory.`);
  return full;
}

/** Greedy packing in file order (the trainer uses a seeded order, so its row count can differ slightly). */
function packedRows(lengths: number[], seqLen: number): number {
  let rows = 0;
  let used = 0;
  for (const n of lengths) {
    if (used > 0 && used + n > seqLen) {
      rows++;
      used = 0;
    }
    used += n;
  }
  return rows + (used > 0 ? 1 : 0);
}

export async function estimateLocalTraining(opts: { name: string; request: LocalEstimateRequest; db?: PrismaClient; modelsRoot?: string; dataRoot?: string; redisUrl?: string; prefix?: string }): Promise<LocalEstimate> {
  const { datasetVersionId, config } = localEstimateRequestSchema.parse(opts.request);
  const resolved = resolveModelDir(opts.name, { root: opts.modelsRoot });
  const model = await describeModel(resolved);
  const issues: EstimateIssue[] = [];
  const t: LocalConfig["training"] = config.training;
  const seqLen = Math.min(t.maxSeqLen, model.contextLength ?? t.maxSeqLen);
  if (model.contextLength && t.maxSeqLen > model.contextLength) {
    issues.push({ field: "config.training.maxSeqLen", message: `max sequence length ${t.maxSeqLen} is above ${model.name}'s context length ${model.contextLength}; training uses ${model.contextLength}.` });
  }
  if (model.weightsError) issues.push({ field: "baseModel", message: `${model.name}: ${model.weightsError}` });
  if (!model.hasTokenizer) issues.push({ field: "baseModel", message: `${model.name} has no tokenizer.json, so tokens cannot be counted; copy the model's tokenizer files into its folder.` });
  if (!model.hasChatTemplate) issues.push({ field: "baseModel", message: `${model.name} has no chat template, so chat examples cannot be rendered; use an instruct model's folder.` });
  const fused = model.shape ? fusedTargetsProblem(config.lora.targets, model.shape) : null;
  if (fused) issues.push({ field: "config.lora.targets", message: `${model.name}: ${fused}.` });

  let dataset: DatasetTokens | null = null;
  if (datasetVersionId && model.hasTokenizer && model.hasChatTemplate) {
    const version = await (opts.db ?? prisma()).datasetVersion.findUnique({ where: { id: datasetVersionId } });
    if (!version) throw new HttpError(404, "not_found", `Dataset version ${datasetVersionId} not found.`);
    {
      // A preference version trains with DPO: its units are pairs (two sequences each), never packed.
      const pairs = version.hasPreference;
      if (pairs && t.packing) issues.push({ field: "config.training.packing", message: "Packing does not apply to DPO: each answer of a pair is scored as a sequence of its own. Turn packing off." });
      let chat;
      try {
        chat = chatTokenizerFor(resolved.dir);
      } catch (err) {
        throw new HttpError(400, "model_tokenizer", `${resolved.name}: ${(err as Error).message}`);
      }
      const root = path.resolve(opts.dataRoot ?? dataDir());
      const train = countSplit(await tokenizedSplit(chat, insideDataDir(root, version.trainPath), pairs), seqLen);
      const valid = version.validationPath && version.validationCount > 0 ? countSplit(await tokenizedSplit(chat, insideDataDir(root, version.validationPath), pairs), seqLen) : null;
      dataset = {
        versionId: version.id,
        examples: train.examples,
        skipped: train.skipped.length,
        validationExamples: valid?.examples ?? 0,
        tokensPerEpoch: train.tokens,
        trainedTokensPerEpoch: train.trained,
        validationTokens: valid?.tokens ?? 0,
        truncatedExamples: train.truncatedExamples,
        truncatedTokens: train.truncatedTokens,
        longest: Math.max(train.longest, valid?.longest ?? 0),
        rows: t.packing && !pairs ? packedRows(train.lengths, seqLen) : train.examples,
        preference: pairs,
      };
      const left = skippedNote(train.skipped, { maxSeqLen: seqLen, dpo: pairs, where: "training" });
      if (left) issues.push({ field: "config.training.maxSeqLen", message: left });
      if (dataset.rows === 0) issues.push({ field: "datasetVersionId", message: "No training example has a trained token; there is nothing to learn from." });
    }
  }
  const microPerEpoch = dataset ? Math.ceil(dataset.rows / t.batchSize) : null;
  const stepsPerEpoch = microPerEpoch === null ? null : Math.ceil(microPerEpoch / t.gradAccum);
  const memorySeqLen = microBatchSeqLen(seqLen, t.packing, dataset?.longest);
  const method: TrainingMethod = config.quantization.quant === "nf4" ? "qlora" : "lora";
  const precision: Precision = t.backend === "cpu" ? "fp32" : "bf16";
  const rowsPerPass = sequencesPerPass(t.batchSize, dataset?.preference ?? false);
  const memoryInput: MemoryInput | null =
    model.shape && model.parameters
      ? { shape: model.shape, parameters: model.parameters, seqLen: memorySeqLen, batchSize: rowsPerPass, lora: { rank: config.lora.rank, targets: config.lora.targets }, doubleQuant: config.quantization.doubleQuant, gradientCheckpointing: t.gradientCheckpointing }
      : null;
  const memory = memoryInput ? estimateAllMethods({ ...memoryInput, precision }) : [];
  if (!memoryInput) issues.push({ field: "baseModel", message: `${model.name}: config.json lacks the Llama shape (hidden_size, layers, heads) or the weights are unreadable, so memory cannot be estimated.` });
  const workers = await workerMemory({ redisUrl: opts.redisUrl, prefix: opts.prefix });
  // backend cpu trains in RAM only, cuda on GPUs only, auto wherever a worker can.
  const targets = workers.targets.filter((w) => t.backend === "auto" || (t.backend === "cpu") === (w.kind === "ram"));
  return {
    model: { name: model.name, parameters: model.parameters, contextLength: model.contextLength, architecture: model.architecture, dtype: model.dtype },
    seqLen,
    dataset,
    stepsPerEpoch,
    totalSteps: stepsPerEpoch === null ? null : stepsPerEpoch * t.epochs,
    method,
    memorySeqLen,
    precision,
    memory,
    // A GPU fits the run if it fits the least the CUDA backend needs: short of room, it checkpoints a run asked to go
    // without, and recomputes the attention instead of keeping each layer's (the estimate above shows what it holds
    // with room).
    fit: memoryInput ? checkFitByBackend(fitNeeds(memoryInput, method), targets) : [],
    workersKnown: workers.workersKnown,
    issues,
  };
}
