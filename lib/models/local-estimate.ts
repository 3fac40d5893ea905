import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import { prisma } from "../db/client";
import { dataDir } from "../env";
import { HttpError } from "../http/errors";
import { DEFAULT_LOCAL_CONFIG, localConfigSchema, type LocalConfig } from "../jobs/local/config";
import { readFileSync } from "node:fs";
import { parseSplit } from "../jobs/local/run/data";
import { pairSequences } from "../tokenizer/preference";
import { tokenizeChat } from "../tokenizer/masks";
import { chatTokenizerFor } from "./chat-cache";
import { sequencesPerPass } from "./device-need";
import { workerMemory } from "./details";
import { checkFitByBackend, fitNeeds, type FitVerdict } from "./fit";
import { estimateAllMethods, microBatchSeqLen, type MemoryEstimate, type MemoryInput, type Precision, type TrainingMethod } from "./memory";
import { resolveModelDir } from "./resolve";
import { describeModel, type LocalModel } from "./scan";

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

type ChatTokenizer = ReturnType<typeof chatTokenizerFor>;
/**
 * One split tokenized once: each example's token count and loss mask (what changes with the form is counted from
 * these). A preference split holds two sequences per pair, preferred then non-preferred (what DPO trains on).
 */
type TokenizedSplit = { lengths: number[]; masks: Uint8Array[] };

// Frozen versions never change, and chatTokenizerFor hands out a new tokenizer object when a model's files
// change, so (tokenizer object, file) is a safe cache key: editing hyperparameters in the form re-counts from
// memory instead of re-tokenizing the dataset. Weakly held: an evicted tokenizer takes its entries with it.
const tokenizedCache = new WeakMap<ChatTokenizer, Map<string, Promise<TokenizedSplit>>>();
const MAX_SPLITS_PER_MODEL = 6;
/** Examples tokenized between yields to the event loop, so a large dataset never stalls the server's other requests. */
const CHUNK = 64;

/** The split as the trainer reads it: chat examples, or each pair's two sequences in the trainer's order. */
function readSplit(file: string, preference: boolean) {
  const split = parseSplit(readFileSync(file, "utf8"), file, preference ? "dpo" : "supervised");
  return split.kind === "chat" ? split.examples : split.pairs.flatMap((p) => pairSequences(p).map((sequence) => ({ ...sequence, line: p.line })));
}

async function tokenizeSplit(chat: ChatTokenizer, file: string, preference: boolean): Promise<TokenizedSplit> {
  let examples;
  try {
    examples = readSplit(file, preference);
  } catch (err) {
    throw new HttpError(400, "dataset_file", (err as Error).message);
  }
  const out: TokenizedSplit = { lengths: [], masks: [] };
  for (const [i, ex] of examples.entries()) {
    if (i > 0 && i % CHUNK === 0) await new Promise((r) => setImmediate(r));
    try {
      const t = tokenizeChat(chat, ex);
      out.lengths.push(t.tokens.length);
      out.masks.push(Uint8Array.from(t.lossMask));
    } catch (err) {
      throw new HttpError(400, "template_error", `${path.basename(file)} line ${ex.line}: ${(err as Error).message}`);
    }
  }
  return out;
}

function tokenizedSplit(chat: ChatTokenizer, file: string, preference: boolean): Promise<TokenizedSplit> {
  let perModel = tokenizedCache.get(chat);
  if (!perModel) tokenizedCache.set(chat, (perModel = new Map()));
  const hit = perModel.get(file);
  if (hit) return hit;
  const pending = tokenizeSplit(chat, file, preference);
  perModel.set(file, pending);
  // A failure (unreadable file, template error) is not remembered: fixing the model folder must take effect.
  pending.catch(() => perModel.delete(file));
  while (perModel.size > MAX_SPLITS_PER_MODEL) perModel.delete(perModel.keys().next().value as string);
  return pending;
}

/** `group` sequences make one unit: 1 for chat examples, 2 for a preference pair (kept only if both sides are). */
function countSplit(split: TokenizedSplit, seqLen: number, group = 1) {
  const lengths: number[] = [];
  const s = { examples: 0, skipped: 0, tokens: 0, trained: 0, truncatedExamples: 0, truncatedTokens: 0, longest: 0 };
  for (let u = 0; u + group <= split.lengths.length; u += group) {
    const sides = Array.from({ length: group }, (_, j) => {
      const length = split.lengths[u + j] as number;
      const mask = split.masks[u + j] as Uint8Array;
      const n = Math.min(length, seqLen);
      // The trainer keeps a sequence only if a loss target lies within its first seqLen tokens (positions ≥ 1).
      let trained = 0;
      for (let k = 1; k < n; k++) trained += mask[k] as number;
      return { length, n, trained };
    });
    if (sides.some((x) => x.trained === 0)) {
      s.skipped++;
      continue;
    }
    if (sides.some((x) => x.length > seqLen)) s.truncatedExamples++;
    s.examples++;
    for (const x of sides) {
      s.truncatedTokens += Math.max(0, x.length - seqLen);
      s.tokens += x.n;
      s.trained += x.trained;
      s.longest = Math.max(s.longest, x.n);
      lengths.push(x.n);
    }
  }
  return { ...s, lengths };
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
      const group = pairs ? 2 : 1;
      const train = countSplit(await tokenizedSplit(chat, insideDataDir(root, version.trainPath), pairs), seqLen, group);
      const valid = version.validationPath && version.validationCount > 0 ? countSplit(await tokenizedSplit(chat, insideDataDir(root, version.validationPath), pairs), seqLen, group) : null;
      dataset = {
        versionId: version.id,
        examples: train.examples,
        skipped: train.skipped,
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
      if (train.skipped > 0) issues.push({ field: "config.training.maxSeqLen", message: `${train.skipped} training example(s) have no trained token within ${seqLen} tokens and will be skipped; raise max sequence length or shorten their prompts.` });
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
