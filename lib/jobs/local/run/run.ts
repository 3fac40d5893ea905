import fs from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import { loadNativeAddon, type Backend, type NativeModel, type TrainResult } from "../../../../native/index";
import { resolveModelDir } from "../../../models/resolve";
import { loadChatTokenizer } from "../../../tokenizer";
import { publishJobSummary, recordJobEvent, type LivePublisher } from "../../events";
import { memoryReportLine } from "./memory";
import { stepProfileLine } from "../../../models/step-profile";
import { isTerminalJobStatus } from "../../types";
import { localConfigOfJob } from "../stored";
import { folderSize, sha256File, writeAdapterCard } from "./card";
import { loadVersionData } from "./data";
import { skippedNote } from "./tokenize";
import { stoppingLine, trainedTokensOf } from "./stopping";
import { preparedLine, preparingLine } from "./preparing";
import { tokenizeSplitOnThreads, tokenizeThreadCount } from "./tokenize-threads";
import { describeRunError, type RunFailure } from "./errors";
import { absoluteInData, finalAdapterDir, isResumableCheckpoint, jobOutputDir, moveAdapterIntoPlace, relativeToData } from "./paths";
import { createStepSink, type StoredReport } from "./sink";
import { loggedStepsSince } from "./checkpoint-log";

// One local fine-tune from its row to the end: data from the frozen version, the model's own tokenizer and
// chat template (assistant-only loss masks), the native trainer with the job's LoRA/quantization/training
// settings, and every step stored + published as it comes. A run picked up again after its worker died starts
// from the newest checkpoint on disk; cancel (from the page or CLI) stops at the next step with the last
// checkpoint kept; a worker shutting down stops the same way and hands the job back to the queue.

export type LocalRunDeps = {
  db: PrismaClient;
  pub: LivePublisher;
  /** Aborted when this worker shuts down: the run stops at a step boundary and reports "interrupted". */
  signal: AbortSignal;
  log: { info(m: string): void; warn(m: string): void };
  dataDir: string;
  modelsDir: string;
  /** Repository root, where the native addon is built; defaults to the one native/index.ts sits in. */
  root?: string;
  /** The heartbeat id of this worker, recorded on the job. */
  workerId: string;
  /** What "auto" means on this worker (TUNEFORGE_LOCAL_BACKEND). */
  defaultBackend: Backend;
  threads: number;
  /** How often a running job's row is checked for a cancel request. */
  cancelCheckMs?: number;
};

export type LocalRunOutcome = "succeeded" | "failed" | "cancelled" | "interrupted" | "skipped";

class StageError extends Error {
  constructor(readonly failure: RunFailure) {
    super(failure.message);
  }
}

async function stage<T>(name: Parameters<typeof describeRunError>[1], fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new StageError(describeRunError(err, name));
  }
}

/** What a run tells its caller as it goes: `onTokenized` once the data is tokenized (the GPU worker then tightens
 *  the run's device memory estimate, lib/workers/device-share.ts). */
export type LocalRunHooks = { onTokenized?(data: { longestExample: number }): void };

export async function runLocalJob(deps: LocalRunDeps, jobId: string, hooks: LocalRunHooks = {}): Promise<{ outcome: LocalRunOutcome }> {
  const { db, pub } = deps;
  const job = await db.fineTuneJob.findUnique({ where: { id: jobId } });
  // Contract of reconcile: a re-run of a job that finished meanwhile does nothing.
  if (!job || job.provider !== "local" || isTerminalJobStatus(job.status)) return { outcome: "skipped" };
  const event = (level: string, message: string, data?: Record<string, unknown>) =>
    recordJobEvent(db, pub, jobId, { level, message, ...(data ? { data: data as never } : {}) });

  if (job.cancelRequestedAt) {
    await finishCancelled(deps, jobId, null);
    return { outcome: "cancelled" };
  }

  const outDir = jobOutputDir(deps.dataDir, jobId);
  let model: NativeModel | null = null;
  try {
    const config = await stage("data", () => localConfigOfJob(job));
    const backendWanted: Backend = config.training.backend === "auto" ? deps.defaultBackend : config.training.backend;
    const data = await stage("data", () => loadVersionData(db, deps.dataDir, job.datasetVersionId));
    const modelDir = await stage("model", () => resolveModelDir(job.baseModel, { root: deps.modelsDir }).dir);
    // Loading (and quantizing) a real model and tokenizing a large version take a while before the first step:
    // the job names its worker and says what it is doing, instead of looking unclaimed.
    // The event first: a job that names its worker has said what the worker prepares.
    await event("info", preparingLine(deps.workerId, job.baseModel, config.quantization, data), { phase: "preparing", workerId: deps.workerId });
    await db.fineTuneJob.update({ where: { id: jobId }, data: { workerId: deps.workerId } });
    await publishJobSummary(db, pub, jobId);
    const loadStart = Date.now();
    const chat = await stage("tokenize", () => loadChatTokenizer(modelDir));
    const addon = await stage("model", () => loadNativeAddon(deps.root));
    model = await stage("model", () =>
      addon.loadModel({ modelDir, quant: config.quantization.quant, doubleQuant: config.quantization.doubleQuant, backend: backendWanted, threads: deps.threads }),
    );
    const loadMs = Date.now() - loadStart;
    if (await stoppedWhilePreparing(deps, jobId)) return { outcome: "cancelled" };
    const info = model.info();
    const maxSeqLen = Math.min(config.training.maxSeqLen, info.maxPositionEmbeddings);
    // Large versions are tokenized on several threads.
    const threads = tokenizeThreadCount(deps.threads);
    const tokenize = (split: typeof data.train, name: string) =>
      stage("tokenize", () => tokenizeSplitOnThreads(chat, modelDir, split, { maxSeqLen, file: `${data.version.datasetName} v${data.version.number} ${name}`, threads }));
    const tokenizeStart = Date.now();
    const train = await tokenize(data.train, "train");
    const valid = data.validation ? await tokenize(data.validation, "validation") : null;
    const tokenizeMs = Date.now() - tokenizeStart;
    if (await stoppedWhilePreparing(deps, jobId)) return { outcome: "cancelled" };
    const dpo = data.method === "dpo";
    hooks.onTokenized?.({ longestExample: Math.max(train.longest, valid?.longest ?? 0) });

    // Resume: the newest checkpoint folder (the trainer keeps the last few) that the stored curve reaches, or whose
    // own step log fills the gap up to it.
    const plan = await resumePlan(db, deps.dataDir, jobId);
    const resume = plan.resume;
    // What a killed run wrote past the resume point is re-done by this run: its points (so a cancel before it
    // gets there leaves no stale tail) and its checkpoints (the trainer keeps only the newest few by step, and
    // stale later ones would push out the fresh ones). Without a checkpoint the run starts over.
    await dropPast(db, deps.dataDir, jobId, resume?.step ?? 0);

    const started = await db.fineTuneJob.updateMany({
      where: { id: jobId, status: { in: ["queued", "running"] }, cancelRequestedAt: null },
      data: { status: "running", startedAt: job.startedAt ?? new Date(), workerId: deps.workerId, backend: info.backend, errorCode: null, errorMessage: null, retryMessage: null },
    });
    if (started.count === 0) {
      // Cancelled between our read and now.
      await stoppedWhilePreparing(deps, jobId);
      return { outcome: "cancelled" };
    }
    const what = dpo ? "preference pairs (DPO)" : "examples";
    const truncated = train.truncated ? `; ${train.truncated} ${dpo ? "pairs" : "examples"} truncated at ${maxSeqLen} tokens` : "";
    await event(
      "info",
      (resume
        ? `Resumed from step ${resume.step} (checkpoint ${resume.path}) on ${deps.workerId}, ${info.backend} backend.` +
            (plan.restored.length
              ? ` Steps ${plan.restored[0]!.step}–${resume.step}, which the earlier run trained but had not stored, were restored from the checkpoint's log.`
              : "")
        : `Training on ${deps.workerId}, ${info.backend} backend: ${train.units} ${what}, ${train.tokens} tokens (${train.trainableTokens} trained on)${truncated}` +
            (valid ? `; ${valid.units} validation ${dpo ? "pairs" : "examples"}` : "") +
            (plan.skipped.length ? `; starting over: the checkpoints left by an earlier run (steps ${plan.skipped.join(", ")}) are past its stored curve (step ${plan.stored}) or incomplete` : "") +
            ".") + ` ${preparedLine(loadMs, tokenizeMs)}`,
      { backend: info.backend, workerId: deps.workerId, loadMs, tokenizeMs, ...(resume ? { resumedFromStep: resume.step } : {}) },
    );
    // Examples with nothing to learn within max_seq_len are left out by name (a resumed run said so already).
    for (const [split, where] of [[train, "training"], [valid, "validation"]] as const) {
      const note = !resume && split ? skippedNote(split.skipped, { maxSeqLen, dpo, where }) : null;
      if (note) await event("warning", note, { skipped: split!.skipped.length, lines: split!.skipped.slice(0, 20).map((x) => x.line) });
    }
    await publishJobSummary(db, pub, jobId);

    const sink = createStepSink({ db, pub, jobId, dataDir: deps.dataDir, epochs: config.training.epochs, onError: (err) => deps.log.warn(`[gpu-jobs] job ${jobId}: could not store a step: ${err.message}`) });
    // Before the trainer's first report, so the curve stays in step order.
    if (plan.restored.length) sink.restore(plan.restored);
    const stop = watchForStop(deps, jobId, model);
    const reportEvents: Promise<unknown>[] = [];
    const t0 = Date.now();
    let result: TrainResult;
    try {
      const { lora, training: t } = config;
      result = await stage("train", () =>
        model!.train(
          train.examples,
          valid?.examples ?? null,
          {
            lora,
            ...(dpo ? { method: "dpo" as const, dpoBeta: t.dpoBeta } : {}),
            epochs: t.epochs,
            batchSize: t.batchSize,
            gradAccum: t.gradAccum,
            lr: t.lr,
            weightDecay: t.weightDecay,
            schedule: t.schedule,
            warmupRatio: t.warmupRatio,
            maxGradNorm: t.maxGradNorm,
            maxSeqLen,
            packing: t.packing,
            gradientCheckpointing: t.gradientCheckpointing,
            seed: t.seed,
            evalEvery: t.evalEvery,
            checkpointEvery: t.checkpointEvery,
            earlyStoppingPatience: t.earlyStoppingPatience,
            earlyStoppingThreshold: t.earlyStoppingThreshold,
            keepBest: t.keepBest,
            outDir,
            baseModelName: job.baseModel,
            // Once per run, the log says where a step's time goes: this run's second step (the first pays for
            // allocation, GEMM algorithm selection and module loading).
            profileStep: 2,
            ...(resume ? { resumeFrom: resume.dir } : {}),
          },
          (r) => {
            sink.push(r);
            // Once per run: where the memory goes (device memory by category on CUDA, the estimate on the CPU).
            if (r.memoryReport) reportEvents.push(event("info", memoryReportLine(r.memoryReport), { memoryBytes: r.memoryBytes }));
            if (r.profileMs) {
              // A log line must not break the run it describes.
              try {
                reportEvents.push(event("info", stepProfileLine(r.step, info.backend, r.profileMs), { profileMs: r.profileMs }));
              } catch (err) {
                deps.log.warn(`[gpu-jobs] job ${jobId}: no step profile line: ${(err as Error).message}`);
              }
            }
          },
        ),
      );
    } finally {
      stop.dispose();
      await Promise.allSettled(reportEvents);
    }
    // The checkpoint the trainer writes when it stops early comes without a step report.
    if (result.cancelled && result.lastCheckpoint && (!resume || path.resolve(result.lastCheckpoint) !== path.resolve(resume.dir))) {
      const step = Number(/step-(\d+)$/.exec(result.lastCheckpoint)?.[1] ?? result.steps);
      sink.checkpoint(step, result.lastCheckpoint, { train_loss: sink.lastReport?.loss ?? result.finalLoss });
    }
    await sink.drain();

    if (result.cancelled) {
      if (stop.reason === "shutdown") {
        await event("info", `Worker ${deps.workerId} is shutting down; stopped at step ${result.steps} and handed the job back (it resumes from ${result.lastCheckpoint ? path.basename(result.lastCheckpoint) : "the start"}).`);
        return { outcome: "interrupted" };
      }
      await finishCancelled(deps, jobId, result.lastCheckpoint ?? null);
      return { outcome: "cancelled" };
    }

    const adapterDir = finalAdapterDir(deps.dataDir, jobId);
    const trainedTokens = trainedTokensOf(train.tokens, config.training.epochs, result);
    const ending = stoppingLine(result, config.training);
    const bestLost = config.training.keepBest && result.bestStep !== undefined && result.adapterStep !== result.bestStep;
    if (ending) await event(bestLost ? "warning" : "info", ending, { stoppedEarly: result.stoppedEarly, bestStep: result.bestStep ?? null, adapterStep: result.adapterStep });
    await stage("finish", async () => {
      moveAdapterIntoPlace(outDir, adapterDir);
      writeAdapterCard(adapterDir, {
        jobId,
        baseModel: job.baseModel,
        dataset: { name: data.version.datasetName, version: data.version.number, sha256: data.version.sha256, trainExamples: train.units, validationExamples: valid?.units ?? 0 },
        method: data.method,
        config,
        backend: info.backend,
        result: {
          steps: result.steps,
          totalSteps: result.totalSteps,
          finalLoss: result.finalLoss,
          ...(result.finalValidLoss !== undefined ? { finalValidLoss: result.finalValidLoss } : {}),
          ...(result.bestStep !== undefined ? { bestStep: result.bestStep, bestValidLoss: result.bestValidLoss } : {}),
          adapterStep: result.adapterStep,
          trainedTokens,
          seconds: (Date.now() - t0) / 1000,
        },
        finishedAt: new Date(),
      });
    });
    const relAdapter = relativeToData(deps.dataDir, adapterDir);
    const sha256 = await sha256File(path.join(adapterDir, "adapter_model.safetensors"));
    const sizeBytes = BigInt(folderSize(adapterDir));
    await db.$transaction(async (tx) => {
      const existing = await tx.artifact.findFirst({ where: { jobId, kind: "adapter" } });
      const data = { path: relAdapter, sizeBytes, sha256, status: "ready" as const, errorMessage: null };
      if (existing) await tx.artifact.update({ where: { id: existing.id }, data });
      else await tx.artifact.create({ data: { jobId, kind: "adapter", ...data } });
      await tx.fineTuneJob.update({
        where: { id: jobId },
        data: { status: "succeeded", finishedAt: new Date(), adapterPath: relAdapter, adapterStep: result.adapterStep, stoppedEarly: result.stoppedEarly, trainedTokens, fineTunedModel: null },
      });
    });
    const last = sink.lastReport;
    const rewards = (acc: number | undefined, margin: number | undefined) => (acc !== undefined && margin !== undefined ? ` (reward accuracy ${(acc * 100).toFixed(0)} %, margin ${margin.toFixed(3)})` : "");
    const valid_ =
      result.finalValidLoss !== undefined ? `, validation loss ${result.finalValidLoss.toFixed(4)}${dpo ? rewards(last?.validRewardAccuracy, last?.validRewardMargin) : ""}` : "";
    await event("info", `Succeeded after ${result.steps} steps: ${dpo ? "DPO " : ""}train loss ${result.finalLoss.toFixed(4)}${dpo ? rewards(last?.rewardAccuracy, last?.rewardMargin) : ""}${valid_}. Adapter${result.adapterStep !== result.steps ? ` (step ${result.adapterStep}'s weights)` : ""} in ${relAdapter}.`, { adapterPath: relAdapter, sha256 });
    await publishJobSummary(db, pub, jobId);
    return { outcome: "succeeded" };
  } catch (err) {
    if (!(err instanceof StageError)) throw err; // Postgres or Redis trouble: BullMQ retries the run, which resumes.
    // A job cancelled while it was prepared stays cancelled, whatever its preparation then ran into.
    const failed = await db.fineTuneJob.updateMany({
      where: { id: jobId, status: { not: "cancelled" } },
      data: { status: "failed", finishedAt: new Date(), errorCode: err.failure.code, errorMessage: err.failure.message, workerId: deps.workerId },
    });
    if (failed.count === 0) return { outcome: "cancelled" };
    await event("error", `Failed: ${err.failure.message}`, { code: err.failure.code });
    await publishJobSummary(db, pub, jobId);
    return { outcome: "failed" };
  } finally {
    if (model && !model.closed && !model.busy) model.close();
  }
}

/**
 * Where a run picked up again starts: the newest checkpoint on disk (the trainer writes them atomically and
 * keeps the last few) that is not past the newest stored metric point, or whose step log (trainer_state.json
 * log_history) has every step between that point and its own: the worker died before those points were written,
 * and they are restored from the log. A checkpoint further on with no such log would leave a gap, so an older one
 * is used.
 */
async function findResumeCheckpoint(db: PrismaClient, dataDir: string, jobId: string): Promise<{ step: number; path: string; dir: string } | null> {
  // No run follows to store the steps a log would restore: only a checkpoint the stored curve reaches.
  return (await resumePlan(db, dataDir, jobId, { fromLog: false })).resume;
}

type ResumePlan = {
  resume: { step: number; path: string; dir: string } | null;
  /** Checkpoint steps passed over: past the stored curve with no log to fill the gap, or incomplete. */
  skipped: number[];
  /** The stored curve's last step. */
  stored: number;
  /**
   * Steps after `stored` up to the resume point, from the checkpoint's log (empty when the curve reaches it), with
   * the checkpoint folders among them (their rows were not stored either).
   */
  restored: StoredReport[];
};

/** Exported for its test (resume.int.test.ts); its callers are runLocalJob and, on cancel, findResumeCheckpoint. */
export async function resumePlan(db: PrismaClient, dataDir: string, jobId: string, opts: { fromLog?: boolean } = {}): Promise<ResumePlan> {
  const root = path.join(jobOutputDir(dataDir, jobId), "checkpoints");
  const onDisk = fs.existsSync(root) ? fs.readdirSync(root).flatMap((name) => (/^step-\d+$/.test(name) ? [Number(name.slice(5))] : [])) : [];
  const last = await db.metricPoint.findFirst({ where: { jobId }, orderBy: { step: "desc" }, select: { step: true } });
  const stored = last?.step ?? 0;
  const skipped: number[] = [];
  const dirOf = (step: number) => path.join(root, `step-${step}`);
  for (const step of onDisk.sort((a, b) => b - a)) {
    const dir = dirOf(step);
    if (!isResumableCheckpoint(dir)) {
      skipped.push(step);
      continue;
    }
    // Past the stored curve: resumable only if the checkpoint's own log has every step the curve is missing.
    const restored = step <= stored ? [] : opts.fromLog === false ? null : loggedStepsSince(dir, step, stored);
    if (!restored) {
      skipped.push(step);
      continue;
    }
    const withDirs = restored.map((r) => (onDisk.includes(r.step) && isResumableCheckpoint(dirOf(r.step)) ? { ...r, checkpointDir: dirOf(r.step) } : r));
    return { resume: { step, path: relativeToData(dataDir, dir), dir }, skipped, stored, restored: withDirs };
  }
  return { resume: null, skipped, stored, restored: [] };
}

async function dropPast(db: PrismaClient, dataDir: string, jobId: string, step: number): Promise<void> {
  await db.metricPoint.deleteMany({ where: { jobId, step: { gt: step } } });
  await db.checkpoint.deleteMany({ where: { jobId, step: { gt: step } } });
  const root = path.join(jobOutputDir(dataDir, jobId), "checkpoints");
  if (!fs.existsSync(root)) return;
  for (const name of fs.readdirSync(root)) {
    const m = /^step-(\d+)$/.exec(name);
    if (m && Number(m[1]) > step) fs.rmSync(path.join(root, name), { recursive: true, force: true });
  }
}

/**
 * Stops the trainer at its next step when the row asks for it (cancelRequestedAt, checked every ~500 ms: one
 * indexed read) or this worker shuts down. Both go through model.cancel(); the reason decides what follows.
 */
function watchForStop(deps: LocalRunDeps, jobId: string, model: NativeModel) {
  let reason: "cancel" | "shutdown" | null = null;
  const stop = (why: "cancel" | "shutdown") => {
    if (reason) return;
    reason = why;
    model.cancel();
  };
  const onAbort = () => stop("shutdown");
  deps.signal.addEventListener("abort", onAbort, { once: true });
  if (deps.signal.aborted) onAbort();
  let checking = false;
  const timer = setInterval(() => {
    if (checking || reason) return;
    checking = true;
    deps.db.fineTuneJob
      .findUnique({ where: { id: jobId }, select: { cancelRequestedAt: true } })
      .then((row) => {
        if (!row || row.cancelRequestedAt) stop("cancel");
      })
      .catch((err: Error) => deps.log.warn(`[gpu-jobs] job ${jobId}: cancel check failed: ${err.message}`))
      .finally(() => (checking = false));
  }, deps.cancelCheckMs ?? 500);
  return {
    get reason() {
      return reason;
    },
    dispose() {
      clearInterval(timer);
      deps.signal.removeEventListener("abort", onAbort);
    },
  };
}

/** Ends a job as cancelled; the last checkpoint (a loadable adapter) is kept and becomes its adapterPath. */
/**
 * Whether the job was cancelled while this worker loaded the model and tokenized its data; if so it is ended
 * here, once. A job cancelled while still queued was already ended by the web process ("Cancelled while queued"),
 * so only a cancel request on a running job (one resumed after its worker died) is finished here.
 */
async function stoppedWhilePreparing(deps: LocalRunDeps, jobId: string): Promise<boolean> {
  const row = await deps.db.fineTuneJob.findUnique({ where: { id: jobId }, select: { status: true, cancelRequestedAt: true } });
  if (!row || row.status === "cancelled") return true;
  if (!row.cancelRequestedAt) return false;
  await finishCancelled(deps, jobId, null);
  return true;
}

async function finishCancelled(deps: LocalRunDeps, jobId: string, lastCheckpoint: string | null): Promise<void> {
  const { db, pub } = deps;
  let kept = lastCheckpoint && fs.existsSync(lastCheckpoint) ? relativeToData(deps.dataDir, lastCheckpoint) : null;
  if (!kept) {
    const newest = await findResumeCheckpoint(db, deps.dataDir, jobId);
    kept = newest?.path ?? null;
  }
  await db.fineTuneJob.update({ where: { id: jobId }, data: { status: "cancelled", finishedAt: new Date(), ...(kept ? { adapterPath: kept } : {}) } });
  await recordJobEvent(db, pub, jobId, {
    level: "info",
    message: kept ? `Cancelled; the last checkpoint is kept at ${kept} (a loadable adapter).` : "Cancelled before any checkpoint was written.",
    ...(kept ? { data: { checkpoint: kept } } : {}),
  });
  await publishJobSummary(db, pub, jobId);
}
