import { setMaxListeners } from "node:events";
import type { PrismaClient } from "@prisma/client";
import type { Redis } from "ioredis";
import type { NativeAddon } from "../../../native/index";
import { HttpError } from "../../http/errors";
import type { QueueSet } from "../../queue/queues";
import { enqueueEvalRun, type EvalQueue } from "../create/enqueue";
import { progressFromRows, publishEvalProgress } from "../live";
import { openGenerator, resolveModelSpec, type Generator, type ResolvedModel } from "../models";
import { generationSchema, type EvalProgress, type GenerationSettings } from "../types";
import { complete, failEarly, storeSummary } from "./finish";
import { processSample, type SampleContext, type SampleRow } from "./sample";

// The eval worker's run: queued → running → succeeded | failed | cancelled. It works only on what the rows
// still lack (an output, or a verdict with a judge), so a run taken over after its worker died — or handed
// back on shutdown — resumes where it stopped and never generates a finished side twice. A cancel is the row's
// status turning "cancelled"; it is noticed between samples. At the end the summary is computed from the rows.

export type EvalRunDeps = {
  db: PrismaClient;
  redis: Redis;
  prefix: string;
  log: { info(message: string): void; warn(message: string): void };
  /** Aborted on worker shutdown: stop between samples and hand the run back. */
  signal: AbortSignal;
  workerId: string;
  /** The queue this worker took the run from; a run with a local side moves to gpu-jobs. */
  queue: EvalQueue;
  dataRoot?: string;
  modelsRoot?: string;
  addon?: () => NativeAddon;
  /** SDK retries of remote calls (default 4). */
  maxRetries?: number;
  /** Where a run with a local side is moved; default: the process's queues. */
  queues?: QueueSet;
  /** How often the row's status is re-read for a cancel. */
  cancelPollMs?: number;
};

export type EvalRunOutcome = "succeeded" | "failed" | "cancelled" | "interrupted" | "moved" | "skipped";

const JUDGE_MAX_TOKENS = 400;

export async function runEval(deps: EvalRunDeps, evalRunId: string): Promise<{ outcome: EvalRunOutcome }> {
  const { db } = deps;
  const run = await db.evalRun.findUnique({ where: { id: evalRunId } });
  if (!run || (run.status !== "queued" && run.status !== "running")) return { outcome: "skipped" };

  let candidate: ResolvedModel, baseline: ResolvedModel, judgeModel: ResolvedModel | null;
  try {
    const opts = { db, dataRoot: deps.dataRoot, modelsRoot: deps.modelsRoot };
    candidate = await resolveModelSpec(run.candidateSpec, { ...opts, field: "candidate" });
    baseline = await resolveModelSpec(run.baselineSpec, { ...opts, field: "baseline" });
    judgeModel = run.judgeSpec ? await resolveModelSpec(run.judgeSpec, { ...opts, field: "judge" }) : null;
  } catch (err) {
    return failEarly(deps, evalRunId, `Cannot start: ${(err as Error).message}`);
  }
  if (deps.queue === "eval" && [candidate, baseline].some((m) => m.where === "local")) {
    // Re-enqueued on the plain queue (e.g. by the startup reconciler) but it needs the trainer: move it.
    await enqueueEvalRun(evalRunId, "gpu-jobs", deps.queues);
    return { outcome: "moved" };
  }

  const started = await db.evalRun.updateMany({
    where: { id: evalRunId, status: { in: ["queued", "running"] } },
    data: { status: "running", workerId: deps.workerId, errorMessage: null, ...(run.startedAt ? {} : { startedAt: new Date() }) },
  });
  if (started.count === 0) return { outcome: "skipped" };
  deps.log.info(`[eval] run ${evalRunId}: ${run.startedAt ? "resuming" : "starting"} ${run.candidateSpec} vs ${run.baselineSpec}${run.judgeSpec ? ` judged by ${run.judgeSpec}` : ""}`);

  let gens: { baseline: Generator; candidate: Generator; judge: Generator | null };
  try {
    const gopts = { db, concurrency: run.concurrency, maxRetries: deps.maxRetries, addon: deps.addon };
    gens = {
      baseline: await openGenerator(baseline, gopts),
      candidate: await openGenerator(candidate, gopts),
      judge: judgeModel ? await openGenerator(judgeModel, gopts) : null,
    };
  } catch (err) {
    const message = err instanceof HttpError ? err.message : `Cannot open the models: ${(err as Error).message}`;
    return failEarly(deps, evalRunId, message);
  }

  const settings: GenerationSettings = generationSchema.parse(run.generation ?? {});
  const stop = new AbortController();
  // Every request in flight (lanes × models) listens on this one signal; Node warns past 10 listeners.
  setMaxListeners(0, stop.signal);
  const onShutdown = () => stop.abort();
  deps.signal.addEventListener("abort", onShutdown, { once: true });
  let cancelled = false;
  const poll = setInterval(() => {
    void db.evalRun.findUnique({ where: { id: evalRunId }, select: { status: true } }).then(
      (r) => {
        if (r?.status !== "running") {
          cancelled = true;
          stop.abort();
        }
      },
      () => undefined,
    );
  }, deps.cancelPollMs ?? 300);

  try {
    const progress: EvalProgress = { ...(await progressFromRows(db, evalRunId))!, status: "running" };
    const publisher = throttledPublisher(deps, evalRunId, progress);
    const todo = (await db.evalSample.findMany({
      where: {
        evalRunId,
        OR: [
          { baselineOutput: null, baselineError: null },
          { candidateOutput: null, candidateError: null },
          ...(gens.judge ? [{ verdict: null, judgeError: null, baselineOutput: { not: null }, candidateOutput: { not: null } }] : []),
        ],
      },
      orderBy: { index: "asc" },
      select: { id: true, index: true, prompt: true, tools: true, expected: true, baselineOutput: true, candidateOutput: true, baselineError: true, candidateError: true, verdict: true, judgeError: true },
    })) as unknown as SampleRow[];
    if (todo.length > 0 && run.startedAt) deps.log.info(`[eval] run ${evalRunId}: ${todo.length} of ${progress.total} samples still need work`);

    const ctx: SampleContext = {
      db,
      ...gens,
      rubric: run.rubric,
      settings,
      judgeSettings: { ...settings, temperature: 0, topP: 1, maxTokens: JUDGE_MAX_TOKENS },
      schema: (run.jsonSchema as Record<string, unknown> | null) ?? null,
      signal: stop.signal,
    };
    // Samples in flight: for local models `concurrency` (the batch the trainer generates at once); for remote
    // ones twice that, so generation of later samples overlaps the judging of earlier ones — each model's
    // limiter still keeps its own requests at `concurrency`.
    const remoteOnly = candidate.where === "remote" && baseline.where === "remote";
    const lanes = Math.max(1, Math.min(remoteOnly ? run.concurrency * 2 : run.concurrency, todo.length));
    let next = 0;
    const lane = async () => {
      while (!stop.signal.aborted && next < todo.length) {
        const s = todo[next++]!;
        const did = await processSample(ctx, s);
        if (did.baseline) progress.generated.baseline += 1;
        if (did.candidate) progress.generated.candidate += 1;
        if (did.judged) progress.judged += 1;
        publisher.bump();
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    await publisher.flush();

    if (cancelled) {
      deps.log.info(`[eval] run ${evalRunId}: cancelled; kept the samples already done`);
      await storeSummary(db, evalRunId);
      await publishEvalProgress(deps.redis, deps.prefix, evalRunId, { ...progress, status: "cancelled" }).catch(() => undefined);
      return { outcome: "cancelled" };
    }
    if (deps.signal.aborted) return { outcome: "interrupted" };
    return await complete(deps, evalRunId, progress);
  } finally {
    clearInterval(poll);
    deps.signal.removeEventListener("abort", onShutdown);
  }
}

/** Live progress at most every 200 ms (a fast run finishes thousands of samples a minute). */
function throttledPublisher(deps: EvalRunDeps, evalRunId: string, progress: EvalProgress) {
  let last = 0;
  const send = () => publishEvalProgress(deps.redis, deps.prefix, evalRunId, progress).catch(() => undefined);
  return {
    bump() {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      void send();
    },
    flush: send,
  };
}
