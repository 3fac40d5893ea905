import { WaitingError, type Job } from "bullmq";
import { loadNativeAddon } from "../../native/index";
import { runModelMerge } from "../../lib/artifacts/merge-run";
import { runEval } from "../../lib/eval/run";
import { dataDir, env, modelsDir } from "../../lib/env";
import { detectGpuWorkerDevice } from "../../lib/jobs/local/device";
import { runLocalJob, type LocalRunDeps } from "../../lib/jobs/local/run";
import { releaseIdleModels } from "../../lib/playground/model-cache";
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
      await releaseDevice(deps);
      const result = await runLocalJob(deps.local, payload.jobId);
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
      const result = await runEval({ ...evalDeps(deps, "gpu-jobs"), addon: () => loadNativeAddon() }, payload.evalRunId);
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

/** Training and merging load their own model: the idle playground/evaluation models leave the device to them. */
async function releaseDevice(deps: GpuDeps): Promise<void> {
  const released = await releaseIdleModels();
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
