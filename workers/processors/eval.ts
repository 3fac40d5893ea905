import { WaitingError, type Job } from "bullmq";
import { dataDir, env, modelsDir } from "../../lib/env";
import { runEval, type EvalRunDeps } from "../../lib/eval/run";
import { createProcessor } from "../../lib/queue/dispatch";
import { newWorkerId } from "../../lib/workers/heartbeat";
import type { ProcessorDeps } from "./index";

// The eval queue: evaluation runs whose models are all remote (OpenAI, OpenAI-compatible endpoints). One
// BullMQ job per EvalRun; the run starts with a status check and works only on what its samples still lack,
// so a re-run (a takeover after a crash, a re-enqueue) resumes instead of repeating.

export function evalDeps(deps: ProcessorDeps, queue: EvalRunDeps["queue"]): EvalRunDeps {
  const e = env();
  return {
    db: deps.db,
    redis: deps.redis,
    prefix: deps.prefix,
    log: deps.log,
    signal: deps.signal,
    workerId: deps.workerId ?? newWorkerId(),
    queue,
    dataRoot: dataDir(e),
    modelsRoot: modelsDir(e),
  };
}

export function evalProcessor(deps: ProcessorDeps) {
  const run = evalDeps(deps, "eval");
  return createProcessor(
    "eval",
    {
      "eval.run": async (payload, job) => {
        const result = await runEval(run, payload.evalRunId);
        if (result.outcome === "interrupted") await handBackEval(job, deps);
        return result;
      },
    },
    deps.log,
  );
}

/** Shutting down mid-run: back to waiting, so another worker resumes the missing samples at once. */
export async function handBackEval(job: Job, deps: ProcessorDeps): Promise<void> {
  try {
    await job.moveToWait(job.token);
  } catch (err) {
    deps.log.warn(`[eval] could not hand job ${job.id} back on shutdown: ${(err as Error).message}`);
    return;
  }
  throw new WaitingError();
}
