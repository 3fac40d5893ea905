import fs from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import type { z } from "zod";
import { prisma } from "../../db/client";
import type { QueueSet } from "../../queue/queues";
import { dataDir as defaultDataDir, modelsDir as defaultModelsDir } from "../../env";
import { HttpError } from "../../http/errors";
import { resolveModelDir } from "../../models/resolve";
import { fusedTargetsProblem, localLaunchRequestSchema, type LocalConfig, type LocalLaunchRequest } from "../local/config";
import { shapeFromConfig, trainingContext } from "../../models/shape";
import { chatTokenizerFor } from "../../models/chat-cache";
import { countSplit, tokenizedSplit } from "../../models/split-tokens";
import { localMethodOf, type LocalMethod } from "../local/run/data";
import { NothingToTrainError, skippedNote, throwIfNothingToTrain } from "../local/run/tokenize";
import { absoluteInData } from "../local/run/paths";
import { storedLocalConfig } from "../local/stored";
import type { JobView } from "../types";
import { loadJobView } from "../view";
import type { LaunchVersionRef } from "./check";
import { enqueueJobRun } from "./enqueue";
import { launchRefused, type LaunchIssue } from "./issues";

// Launch of a local fine-tune (POST /api/jobs with provider "local"; the estimate route for the form): the
// request is the shared local config, the base model a folder in the models directory, and the counts come
// from that model's own tokenizer and chat template with the assistant-only masks the trainer will use, so the
// numbers on the form are the ones training sees. Nothing is billed: the estimate is tokens and steps. A preference
// version trains with DPO (every line a pair; examples, batch size and steps then count pairs).

export type LocalLaunchEstimate = {
  provider: "local";
  version: LaunchVersionRef | null;
  baseModel: string | null;
  method: LocalMethod;
  /** Chat examples, or preference pairs under DPO. */
  examples: number;
  validationExamples: number;
  /** Tokens of the training split as the trainer sees them (after truncation at maxSeqLen). */
  tokensPerEpoch: number;
  trainableTokensPerEpoch: number;
  truncatedExamples: number;
  maxSeqLen: number | null;
  epochs: number;
  /** Optimizer steps: ⌈⌈examples / batch⌉ / accumulation⌉ per epoch (packing makes fewer). */
  totalSteps: number;
  usd: null;
  notes: string[];
  issues: LaunchIssue[];
};

export type LocalLaunchOptions = { db?: PrismaClient; dataDir?: string; modelsDir?: string; queues?: QueueSet };
type Options = LocalLaunchOptions;

function zodIssues(error: z.ZodError): LaunchIssue[] {
  return error.issues.map((i) => {
    const field = i.path.join(".") || "request";
    const message = i.code === "unrecognized_keys" ? `Unknown field${i.keys.length > 1 ? "s" : ""} ${i.keys.join(", ")}; remove ${i.keys.length > 1 ? "them" : "it"}.` : `${field}: ${i.message}.`;
    return { field, code: "invalid_field" as const, message };
  });
}

async function findVersion(db: PrismaClient, r: { datasetVersionId?: string; datasetId?: string; versionNumber?: number }) {
  const include = { dataset: { select: { name: true } } } as const;
  if (r.datasetVersionId) return db.datasetVersion.findUnique({ where: { id: r.datasetVersionId }, include });
  if (r.datasetId && r.versionNumber) return db.datasetVersion.findUnique({ where: { datasetId_number: { datasetId: r.datasetId, number: r.versionNumber } }, include });
  return null;
}

/** The model folder's config.json, or null when it is missing or not JSON (the trainer then says which). */
function modelConfig(modelDir: string): Record<string, unknown> | null {
  try {
    const cfg: unknown = JSON.parse(fs.readFileSync(path.join(modelDir, "config.json"), "utf8"));
    return cfg && typeof cfg === "object" && !Array.isArray(cfg) ? (cfg as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

type TokenCounts = { examples: number; validationExamples: number; tokens: number; trainable: number; truncated: number; skippedNotes: string[] };

/**
 * The version counted as the trainer will take it at maxSeqLen, from the tokenization the estimate panel made
 * (lib/models/split-tokens.ts: once per model and file, whatever the max length). A split with nothing left to
 * train on throws NothingToTrainError.
 */
async function countVersionTokens(v: { trainPath: string; validationPath: string | null; hasPreference: boolean }, modelDir: string, maxSeqLen: number, root: string, label: string): Promise<TokenCounts> {
  const chat = chatTokenizerFor(modelDir);
  const dpo = localMethodOf(v) === "dpo";
  const count = async (rel: string, split: "train" | "validation") => {
    const c = countSplit(await tokenizedSplit(chat, absoluteInData(root, rel), dpo), maxSeqLen);
    throwIfNothingToTrain(c.examples, c.skipped, { maxSeqLen, dpo, file: `${label} ${split}` });
    return { counts: c, note: skippedNote(c.skipped, { maxSeqLen, dpo, where: split === "train" ? "training" : "validation" }) };
  };
  const train = await count(v.trainPath, "train");
  const validation = v.validationPath ? await count(v.validationPath, "validation") : null;
  return {
    examples: train.counts.examples,
    validationExamples: validation?.counts.examples ?? 0,
    tokens: train.counts.tokens,
    trainable: train.counts.trained,
    truncated: train.counts.truncatedExamples,
    skippedNotes: [train.note, validation?.note].filter((n): n is string => Boolean(n)),
  };
}

export type LocalLaunchCheck = { estimate: LocalLaunchEstimate; request: LocalLaunchRequest | null; modelName: string | null };

export async function checkLocalLaunch(raw: unknown, opts: Options = {}): Promise<LocalLaunchCheck> {
  const db = opts.db ?? prisma();
  const root = opts.dataDir ?? defaultDataDir();
  const parsed = localLaunchRequestSchema.safeParse(raw);
  const issues: LaunchIssue[] = parsed.success ? [] : zodIssues(parsed.error);
  const notes: string[] = [];
  const r = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const config: LocalConfig | null = parsed.success ? parsed.data.config : null;

  const row = await findVersion(db, {
    datasetVersionId: typeof r.datasetVersionId === "string" ? r.datasetVersionId : undefined,
    datasetId: typeof r.datasetId === "string" ? r.datasetId : undefined,
    versionNumber: typeof r.versionNumber === "number" ? r.versionNumber : undefined,
  });
  if (!row && (r.datasetVersionId || r.datasetId)) {
    issues.push({ field: "datasetVersionId", code: "version_not_found", message: "That dataset version does not exist (deleted?); pick another, or freeze one on the dataset's Splits & versions tab." });
  }
  const label = row ? `version v${row.number} of "${row.dataset.name}"` : "";
  const method: LocalMethod = row ? localMethodOf(row) : "supervised";
  if (method === "dpo" && config?.training.packing) {
    issues.push({ field: "config.training.packing", code: "invalid_field", message: "Packing does not apply to DPO: each answer of a pair is scored as a sequence of its own. Turn packing off." });
  }
  if (row && row.trainCount === 0) issues.push({ field: "dataset", code: "too_few_examples", message: `${label} has no training examples; move examples to the train split and freeze a new version.` });

  let modelDir: string | null = null;
  let modelName: string | null = null;
  if (typeof r.baseModel === "string" && r.baseModel.trim()) {
    try {
      const m = resolveModelDir(r.baseModel, { root: opts.modelsDir ?? defaultModelsDir() });
      modelDir = m.dir;
      modelName = m.name;
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      issues.push({ field: "baseModel", code: "model_not_found", message: err.message });
    }
  }

  // Phi-3's and GLM-4's fused modules are adapted whole: a part of one alone would fail the job once a GPU worker took it.
  const modelCfg = modelDir ? modelConfig(modelDir) : null;
  const shape = modelCfg ? shapeFromConfig(modelCfg) : null;
  const fused = config && shape ? fusedTargetsProblem(config.lora.targets, shape) : null;
  if (fused) issues.push({ field: "config.lora.targets", code: "invalid_field", message: `${modelName}: ${fused}.` });

  // Counts with the model's tokenizer (only when both the model and the version are known and readable).
  let counts: TokenCounts = { examples: 0, validationExamples: 0, tokens: 0, trainable: 0, truncated: 0, skippedNotes: [] };
  let maxSeqLen: number | null = null;
  if (row && modelDir && row.trainCount > 0) {
    const limit = modelCfg ? trainingContext(modelCfg) : null;
    maxSeqLen = Math.min(config?.training.maxSeqLen ?? 2048, limit ?? Infinity);
    if (config && limit && config.training.maxSeqLen > limit) notes.push(`max sequence length ${config.training.maxSeqLen} is above the model's ${limit} positions; training uses ${limit}.`);
    try {
      counts = await countVersionTokens({ trainPath: row.trainPath, validationPath: row.validationCount > 0 ? row.validationPath : null, hasPreference: row.hasPreference }, modelDir, maxSeqLen, root, label);
      const n = counts.truncated;
      const what = method === "dpo" ? `preference pair${n === 1 ? " has a sequence" : "s have sequences"}` : `example${n === 1 ? " is" : "s are"}`;
      if (n) notes.push(`${n} training ${what} longer than ${maxSeqLen} tokens and will be truncated.`);
      notes.push(...counts.skippedNotes);
    } catch (err) {
      if (err instanceof NothingToTrainError) issues.push({ field: "config.training.maxSeqLen", code: "too_few_examples", message: `${err.message}.` });
      else issues.push({ field: "dataset", code: "version_unreadable", message: `${(err as Error).message}. Fix the data (or pick another model) and freeze a new version.` });
    }
  }
  if (row && row.validationCount === 0) notes.push("No validation split: only the training loss is reported. Re-split with a validation share to watch for overfitting.");
  const bestIssue = config && row ? validationNeeded(config, row.validationCount, counts.validationExamples, label, maxSeqLen) : null;
  if (bestIssue) issues.push(bestIssue);
  if (method === "dpo") {
    notes.push(
      `DPO on preference pairs against ${modelName ?? "the base model"} as the frozen reference, beta ${config?.training.dpoBeta ?? 0.1}: batch size counts pairs, and the chart shows the DPO loss and the reward accuracy (the share of pairs whose preferred answer wins).`,
    );
  }

  const t = config?.training;
  const epochs = t?.epochs ?? 3;
  const stepsPerEpoch = t ? Math.ceil(Math.ceil(counts.examples / t.batchSize) / t.gradAccum) : 0;
  return {
    estimate: {
      provider: "local",
      version: row
        ? { id: row.id, datasetId: row.datasetId, datasetName: row.dataset.name, number: row.number, trainCount: row.trainCount, validationCount: row.validationCount, hasPreference: row.hasPreference }
        : null,
      baseModel: modelName,
      method,
      examples: counts.examples,
      validationExamples: counts.validationExamples,
      tokensPerEpoch: counts.tokens,
      trainableTokensPerEpoch: counts.trainable,
      truncatedExamples: counts.truncated,
      maxSeqLen,
      epochs,
      totalSteps: stepsPerEpoch * epochs,
      usd: null,
      notes,
      issues,
    },
    request: parsed.success ? parsed.data : null,
    modelName,
  };
}

/** POST /api/jobs, provider "local": checks, records the job with its config, queues it on gpu-jobs. */
export async function launchLocalJob(raw: unknown, opts: Options = {}): Promise<JobView> {
  const db = opts.db ?? prisma();
  const { estimate: e, request, modelName } = await checkLocalLaunch(raw, opts);
  if (e.issues.length > 0 || !request || !e.version || !modelName) {
    const fallback = { field: "datasetVersionId", code: "version_not_found" as const, message: "Pick a dataset version to train on." };
    throw launchRefused(e.issues.length > 0 ? e.issues : [fallback]);
  }
  const { lora, quantization: q, training: t } = request.config;
  const summary =
    `Queued: local ${q.quant === "nf4" ? "QLoRA" : "LoRA"} ${e.method === "dpo" ? `DPO (beta ${t.dpoBeta}) ` : ""}fine-tune of ${modelName} on "${e.version.datasetName}" v${e.version.number} ` +
    `(${e.examples} training, ${e.validationExamples} validation ${e.method === "dpo" ? "preference pairs" : "examples"}, ${e.tokensPerEpoch} tokens per epoch); ` +
    `r ${lora.rank}, alpha ${lora.alpha}, ${t.epochs} epoch${t.epochs === 1 ? "" : "s"} ≈ ${e.totalSteps} steps, backend ${t.backend}.`;
  const job = await db.$transaction(async (tx) => {
    const created = await tx.fineTuneJob.create({
      data: {
        provider: "local",
        status: "queued",
        method: e.method,
        baseModel: modelName,
        datasetVersionId: e.version!.id,
        ...storedLocalConfig(request.config),
        suffix: request.suffix ?? null,
        seed: t.seed,
        estimatedTokensPerEpoch: e.tokensPerEpoch,
        estimatedEpochs: t.epochs,
      },
    });
    await tx.jobEvent.create({ data: { jobId: created.id, level: "info", message: summary, data: { estimate: { ...e, issues: undefined, notes: undefined } } } });
    return created;
  });
  try {
    await enqueueJobRun(job.id, opts.queues, "local");
  } catch (err) {
    const message = `Waiting for the job queue (Redis: ${(err as Error).message}); the job starts once the workers can reach Redis.`;
    await db.fineTuneJob.update({ where: { id: job.id }, data: { retryMessage: message } });
  }
  return loadJobView(job.id, { db });
}

/**
 * Early stopping and keepBest act on the validation loss: without validation examples (none in the version, or
 * none left within the max sequence length) they are refused here rather than by the trainer on a GPU worker.
 */
function validationNeeded(config: LocalConfig, validationCount: number, counted: number, label: string, maxSeqLen: number | null): LaunchIssue | null {
  const t = config.training;
  if (!t.earlyStoppingPatience && !t.keepBest) return null;
  const what = t.earlyStoppingPatience ? "Early stopping" : "Keeping the best step";
  const field = t.earlyStoppingPatience ? "config.training.earlyStoppingPatience" : "config.training.keepBest";
  if (validationCount === 0)
    return { field, code: "invalid_field", message: `${what} acts on the validation loss, and ${label} has no validation split. Re-split with a validation share and freeze a new version, or turn it off.` };
  // Counted only when the model is known; then a split with nothing left to score is as empty.
  if (maxSeqLen !== null && counted === 0)
    return { field, code: "invalid_field", message: `${what} acts on the validation loss, and none of ${label}'s validation examples has a trained token within ${maxSeqLen} tokens. Raise the max sequence length, or turn it off.` };
  return null;
}
