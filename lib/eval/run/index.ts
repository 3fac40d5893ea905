import type { Prisma, PrismaClient } from "@prisma/client";
import type { Redis } from "ioredis";
import type { NativeAddon } from "../../../native/index";
import { HttpError } from "../../http/errors";
import { enqueueEvalRun, type EvalQueue } from "../create/enqueue";
import { publishEvalProgress } from "../live";
import { openGenerator, resolveModelSpec, type Generator, type ResolvedModel } from "../models";
import { summarize, type SummarySample } from "../summary";
import { generationSchema, type EvalProgress, type GenerationSettings, type PointwiseScores, type SampleMetrics, type Verdict } from "../types";
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
    return finish(deps, evalRunId, "failed", { errorMessage: `Cannot start: ${(err as Error).message}` });
  }
  if (deps.queue === "eval" && [candidate, baseline].some((m) => m.where === "local")) {
    // Re-enqueued on the plain queue (e.g. by the startup reconciler) but it needs the trainer: move it.
    await enqueueEvalRun(evalRunId, "gpu-jobs");
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
    return finish(deps, evalRunId, "failed", { errorMessage: message });
  }

  const settings: GenerationSettings = generationSchema.parse(run.generation ?? {});
  const stop = new AbortController();
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
    const progress = await initialProgress(db, evalRunId, run.judgeSpec !== null);
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
      select: { id: true, index: true, prompt: true, expected: true, baselineOutput: true, candidateOutput: true, baselineError: true, candidateError: true, verdict: true, judgeError: true },
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

async function initialProgress(db: PrismaClient, evalRunId: string, judged: boolean): Promise<EvalProgress> {
  const [total, baseline, candidate, verdicts] = await Promise.all([
    db.evalSample.count({ where: { evalRunId } }),
    db.evalSample.count({ where: { evalRunId, OR: [{ baselineOutput: { not: null } }, { baselineError: { not: null } }] } }),
    db.evalSample.count({ where: { evalRunId, OR: [{ candidateOutput: { not: null } }, { candidateError: { not: null } }] } }),
    judged ? db.evalSample.count({ where: { evalRunId, OR: [{ verdict: { not: null } }, { judgeError: { not: null } }] } }) : Promise.resolve(0),
  ]);
  return { generated: { baseline, candidate }, judged: verdicts, total, status: "running" };
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

type StoredSample = {
  tags: string[];
  baselineMetrics: unknown;
  candidateMetrics: unknown;
  verdict: Verdict | null;
  humanVerdict: Verdict | null;
  judgePointwise: unknown;
  baselineError: string | null;
  candidateError: string | null;
};

async function loadSummarySamples(db: PrismaClient, evalRunId: string): Promise<StoredSample[]> {
  return (await db.evalSample.findMany({
    where: { evalRunId },
    orderBy: { index: "asc" },
    select: { tags: true, baselineMetrics: true, candidateMetrics: true, verdict: true, humanVerdict: true, judgePointwise: true, baselineError: true, candidateError: true },
  })) as StoredSample[];
}

const toSummarySample = (s: StoredSample): SummarySample => ({
  tags: s.tags,
  baselineMetrics: (s.baselineMetrics as SampleMetrics | null) ?? null,
  candidateMetrics: (s.candidateMetrics as SampleMetrics | null) ?? null,
  verdict: s.verdict,
  humanVerdict: s.humanVerdict,
  judgePointwise: (s.judgePointwise as PointwiseScores | null) ?? null,
});

async function storeSummary(db: PrismaClient, evalRunId: string): Promise<void> {
  const samples = await loadSummarySamples(db, evalRunId);
  await db.evalRun.update({ where: { id: evalRunId }, data: { summary: summarize(samples.map(toSummarySample)) as unknown as Prisma.InputJsonValue } });
}

/** Succeeded, unless every sample failed on one side: then the run failed with that provider's message. */
async function complete(deps: EvalRunDeps, evalRunId: string, progress: EvalProgress): Promise<{ outcome: EvalRunOutcome }> {
  const samples = await loadSummarySamples(deps.db, evalRunId);
  const summary = summarize(samples.map(toSummarySample)) as unknown as Prisma.InputJsonValue;
  let errorMessage: string | null = null;
  for (const which of ["baseline", "candidate"] as const) {
    const key = which === "baseline" ? "baselineError" : "candidateError";
    if (samples.length > 0 && samples.every((s) => s[key] !== null)) {
      errorMessage = `Every ${which} generation failed; the first error: ${samples[0]![key]}`;
      break;
    }
  }
  const status = errorMessage ? "failed" : "succeeded";
  const out = await finish(deps, evalRunId, status, { summary, errorMessage });
  await publishEvalProgress(deps.redis, deps.prefix, evalRunId, { ...progress, status }).catch(() => undefined);
  return out;
}

/** The final status, conditional on the run still being live (a cancel that came first wins). */
async function finish(
  deps: EvalRunDeps,
  evalRunId: string,
  status: "succeeded" | "failed",
  data: { summary?: Prisma.InputJsonValue; errorMessage?: string | null },
): Promise<{ outcome: EvalRunOutcome }> {
  const changed = await deps.db.evalRun.updateMany({
    where: { id: evalRunId, status: { in: ["queued", "running"] } },
    data: { status, finishedAt: new Date(), ...data },
  });
  if (changed.count === 0) return { outcome: "cancelled" };
  if (status === "failed") deps.log.warn(`[eval] run ${evalRunId} failed: ${data.errorMessage}`);
  else deps.log.info(`[eval] run ${evalRunId} succeeded`);
  return { outcome: status };
}

