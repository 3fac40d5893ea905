import { WaitingError, type Job } from "bullmq";
import { loadNativeAddon } from "../../native/index";
import { runModelMerge } from "../../lib/artifacts/merge-run";
import { evalDeviceReserve } from "../../lib/eval/device-reserve";
import { runEval } from "../../lib/eval/run";
import { dataDir, env, modelsDir } from "../../lib/env";
import { detectGpuWorkerDevice, TRAINER_DEVICE } from "../../lib/jobs/local/device";
import { runLocalJob, type LocalRunDeps, type LocalRunHooks } from "../../lib/jobs/local/run";
import { jobDeviceReserve } from "../../lib/jobs/local/device-reserve";
import { formatBytes } from "../../lib/models/memory";
import { releaseIdleModels } from "../../lib/playground/model-cache";
import { configureDeviceShare, deviceShare, type DeviceJob } from "../../lib/workers/device-share";
import { newWorkerId } from "../../lib/workers/heartbeat";
import { createProcessor, type Handlers } from "../../lib/queue/dispatch";
import { evalDeps } from "./eval";
import type { ProcessorDeps } from "./index";

// The gpu-jobs queue: work that needs the trainer's device. Concurrency 1 per worker process (one process per
// GPU), so a job has the device to itself. Each job name has a handler in GPU_JOB_HANDLERS.
// A new gpu-jobs name gets its entry here; the Handlers type makes a missing one a type error.

type GpuDeps = ProcessorDeps & { local: LocalRunDeps };

export type GpuJobHandlers = Handlers<"gpu-jobs">;

export function gpuJobHandlers(deps: GpuDeps): GpuJobHandlers {
  return {
    "finetune.run": async (payload, job) => {
      const result = await onDevice(deps, payload.jobId, (hooks) => runLocalJob(deps.local, payload.jobId, hooks));
      if (result.outcome === "interrupted") await handBack(job, deps);
      return result;
    },
    // The merged-model export (base + adapter → one bf16 folder).
    "model.merge": async (payload) => {
      await releaseDevice(deps);
      return runModelMerge({ db: deps.db, log: deps.log, signal: deps.signal }, payload);
    },
    // An evaluation with a local side: generation runs on this worker's trainer.
    "eval.run": async (payload, job) => {
      const result = await evalOnDevice(deps, payload.evalRunId, () => runEval({ ...evalDeps(deps, "gpu-jobs"), addon: () => loadNativeAddon() }, payload.evalRunId));
      if (result.outcome === "interrupted") await handBack(job, deps);
      return result;
    },
  };
}

export function gpuJobsProcessor(deps: ProcessorDeps) {
  const e = env();
  let addon = null;
  try {
    addon = loadNativeAddon();
  } catch (err) {
    // Jobs then fail with this message (what to build), which is more useful than a worker that will not start.
    deps.log.warn(`[gpu-jobs] ${(err as Error).message}`);
  }
  const { backend } = detectGpuWorkerDevice({ backend: e.TUNEFORGE_LOCAL_BACKEND, device: e.TUNEFORGE_GPU_DEVICE }, addon);
  // The trainer's device is the runtime's device 0 (CUDA_VISIBLE_DEVICES names it); replies share it with runs.
  if (backend === "cuda" && addon) configureDeviceShare(() => addon.cudaMemory(TRAINER_DEVICE));
  const local: LocalRunDeps = {
    db: deps.db,
    pub: { redis: deps.redis, prefix: deps.prefix },
    signal: deps.signal,
    log: deps.log,
    dataDir: dataDir(e),
    modelsDir: modelsDir(e),
    workerId: deps.workerId ?? newWorkerId(),
    defaultBackend: backend,
    threads: e.TUNEFORGE_LOCAL_THREADS,
  };
  return createProcessor("gpu-jobs", gpuJobHandlers({ ...deps, local }), deps.log);
}

/**
 * A training run on this worker. On the device it runs as the device's job (lib/workers/device-share.ts): after
 * the replies already generating there finish and the idle cached models are freed, and with replies placed
 * around its memory estimate while it trains. On the CPU it only frees the idle models' RAM first.
 */
async function onDevice<T>(deps: GpuDeps, jobId: string, run: (hooks: LocalRunHooks) => Promise<T>): Promise<T> {
  const reserve =
    deps.local.defaultBackend === "cuda" ? await jobDeviceReserve(deps.db, jobId, { modelsDir: deps.local.modelsDir, backend: "cuda", deviceTotalBytes: deviceShare().totalBytes() }) : null;
  if (reserve === null) {
    await releaseDevice(deps);
    return run({});
  }
  const job = { label: `training job ${jobId}`, reserveBytes: reserve.bytes };
  // The first estimate assumes micro-batches of the maximum sequence length; the tokenized data says how long they
  // get, so replies that fit beside the real run are not sent to the CPU for memory it will never use.
  const onTokenized: LocalRunHooks["onTokenized"] = ({ longestExample }) => {
    const bytes = reserve.atLongestExample(longestExample);
    if (deviceShare().tighten(job, bytes)) {
      deps.log.info(`[gpu-jobs] job ${jobId}'s device memory estimate is now ${formatBytes(bytes)} (longest example ${longestExample} tokens; ${formatBytes(reserve.bytes)} at its maximum sequence length)`);
    }
  };
  return holdDevice(deps, job, `job ${jobId}`, () => run({ onTokenized }));
}

/**
 * An evaluation with a local side holds the device the same way: replies are placed around its models' weights and
 * its batch's KV caches (lib/eval/device-reserve.ts). A reply on the evaluation's own model runs on the device and
 * waits for the current batch (lib/playground/model-cache.ts); one on another model goes to the CPU unless it fits.
 * The idle cached models it does not use are freed first: a playground model left on a small device would
 * otherwise leave the evaluation's no room.
 */
async function evalOnDevice<T>(deps: GpuDeps, evalRunId: string, run: () => Promise<T>): Promise<T> {
  const reserve = deps.local.defaultBackend === "cuda" ? await evalDeviceReserve(deps.db, evalRunId, { modelsRoot: deps.local.modelsDir, dataRoot: deps.local.dataDir }) : null;
  if (reserve === null) return run();
  const job = { label: `evaluation ${evalRunId}`, reserveBytes: reserve.bytes, models: reserve.models };
  return holdDevice(deps, job, `evaluation ${evalRunId}`, run);
}

/** Runs `run` as the device's job (lib/workers/device-share.ts), then frees the CPU copies replies used meanwhile. */
async function holdDevice<T>(deps: GpuDeps, job: DeviceJob, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await deviceShare().runJob(job, run, {
      onWait: (n) => deps.log.info(`[gpu-jobs] ${what} waits for ${n} playground reply(s) generating on the device`),
      prepare: () => releaseDevice(deps, { only: "device", keep: job.models }),
    });
  } finally {
    // Replies moved to the CPU while it held the device loaded CPU copies (fp32, in RAM); the next reply goes to
    // the device again, so they only hold memory now.
    const released = await releaseIdleModels({ only: "cpu" });
    if (released > 0) deps.log.info(`[gpu-jobs] released ${released} CPU copy(ies) of playground models used while ${what} held the device`);
  }
}

/**
 * Training and merging load their own model: the idle playground/evaluation models leave the memory to them (a
 * merge runs on the CPU backend, but every cached model also keeps a host copy of its weights in RAM).
 */
async function releaseDevice(deps: GpuDeps, opts: Parameters<typeof releaseIdleModels>[0] = {}): Promise<void> {
  const released = await releaseIdleModels(opts);
  if (released > 0) deps.log.info(`[gpu-jobs] released ${released} cached playground/evaluation model(s) to give the job the device`);
}

/** Shutting down mid-run: back to waiting, so another worker resumes from the last checkpoint at once. */
async function handBack(job: Job, deps: ProcessorDeps): Promise<void> {
  try {
    await job.moveToWait(job.token);
  } catch (err) {
    deps.log.warn(`[gpu-jobs] could not hand job ${job.id} back on shutdown: ${(err as Error).message}`);
    return;
  }
  throw new WaitingError();
}
