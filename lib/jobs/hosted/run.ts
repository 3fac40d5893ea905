import { APIConnectionError, APIError } from "openai";
import { HttpError } from "../../http/errors";
import { classifyOpenAIError } from "../../providers/openai/finetune";
import { OPENAI_DEFAULT_BASE_URL } from "../../providers/openai/client";
import { publishJobSummary, publishEvents, storeEvents, type JobEventRow } from "../events";
import { isTerminalJobStatus } from "../types";
import { retryDelayMs, retryMessage } from "./backoff";
import { JobFailure, loadJobRow, type HostedDeps, type JobRow, type RunMemory, type StepContext, type StepResult } from "./context";
import { cancelStep, pollStep } from "./poll";
import { prepareStep } from "./prepare";
import { runExclusive } from "./registry";

// The run of one hosted FineTuneJob: a loop of small steps (upload a file, wait for processing, create,
// poll), each of which re-reads the row first — so a cancel request, or a terminal status written by
// anyone, is seen within one interval — and records its side effect before the next step.
// Transient provider trouble (429, 5xx, network) is retried with backoff and shown as retryMessage;
// permanent refusals (400/401/403/404/422) and remote failures end the job with the provider's words.
// Errors that are neither (the database is down, a bug) propagate, so BullMQ retries the whole run.

export type HostedRunOutcome =
  | { outcome: "finished"; status: string }
  /** The row was already terminal (a re-run after the end) or is gone: nothing was done. */
  | { outcome: "skipped"; status: string | null }
  /** The worker is shutting down; the job continues wherever it is picked up next. */
  | { outcome: "interrupted" };

export type HostedRunResult = HostedRunOutcome & { joined: boolean };

export async function runHostedJob(deps: HostedDeps, jobId: string): Promise<HostedRunResult> {
  const { joined, done } = runExclusive(jobId, () => runLoop(deps, jobId));
  if (joined) deps.log?.info(`[openai-jobs] job ${jobId} is already being run by this process; waiting for that run`);
  return { ...(await done), joined };
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

async function runLoop(deps: HostedDeps, jobId: string): Promise<HostedRunOutcome> {
  const first = await loadJobRow(deps.db, jobId);
  if (!first || isTerminalJobStatus(first.status)) return { outcome: "skipped", status: first?.status ?? null };
  const sleep = deps.sleep ?? defaultSleep;
  const mem: RunMemory = { processedFiles: new Set(), cancelSent: false, failures: 0 };
  let ctx: StepContext | undefined;

  for (;;) {
    if (deps.signal?.aborted) return { outcome: "interrupted" };
    const row = await loadJobRow(deps.db, jobId);
    if (!row) return { outcome: "skipped", status: null };
    if (isTerminalJobStatus(row.status)) return { outcome: "finished", status: row.status };
    let wait: StepResult;
    try {
      const c = (ctx ??= { ...deps, client: await deps.client(), mem });
      wait = await step(c, row);
      mem.failures = 0;
      if (row.retryMessage) await clearRetryMessage(deps, row.id);
    } catch (err) {
      const handled = await handleFailure(deps, row, mem, err, ctx?.client.baseURL);
      if (handled === "failed") return { outcome: "finished", status: "failed" };
      wait = handled;
    }
    if (wait > 0) await sleep(wait, deps.signal);
  }
}

function step(ctx: StepContext, row: JobRow): Promise<StepResult> {
  if (row.cancelRequestedAt) return cancelStep(ctx, row);
  if (row.remoteJobId) return pollStep(ctx, row);
  if (row.attached) throw new JobFailure("attached_without_remote_id", "This job was attached without an OpenAI job id; attach it again with its ftjob-… id.");
  return prepareStep(ctx, row);
}

async function clearRetryMessage(deps: HostedDeps, jobId: string): Promise<void> {
  await deps.db.fineTuneJob.update({ where: { id: jobId }, data: { retryMessage: null } });
  await publishJobSummary(deps.db, deps.pub, jobId);
}

/** Returns how long to wait before retrying, or "failed" once the job has been failed. */
async function handleFailure(deps: HostedDeps, row: JobRow, mem: RunMemory, err: unknown, baseUrl = OPENAI_DEFAULT_BASE_URL): Promise<number | "failed"> {
  if (err instanceof JobFailure) return failJob(deps, row.id, err.code, err.message, err.verbatim);
  // openAIClient(): no key in Settings nor the environment.
  if (err instanceof HttpError) return failJob(deps, row.id, err.code, err.message);
  if (!(err instanceof APIError || err instanceof APIConnectionError)) throw err;

  const c = classifyOpenAIError(err, baseUrl);
  if (!c.retry) return failJob(deps, row.id, c.code, c.message, providerWords(err));
  mem.failures += 1;
  const delay = retryDelayMs(err, mem.failures, deps.timing);
  const message = retryMessage(c.message, delay, mem.failures);
  deps.log?.warn(`[openai-jobs] job ${row.id}: ${message}${err instanceof APIError && err.requestID ? ` (request ${err.requestID})` : ""}`);
  await deps.db.fineTuneJob.update({ where: { id: row.id }, data: { retryMessage: message } });
  await publishJobSummary(deps.db, deps.pub, row.id);
  return delay;
}

function providerWords(err: unknown): string | undefined {
  const body = err instanceof APIError ? (err.error as { message?: unknown } | undefined) : undefined;
  return typeof body?.message === "string" ? body.message : undefined;
}

async function failJob(deps: HostedDeps, jobId: string, code: string | null, message: string, verbatim?: string): Promise<"failed"> {
  await deps.db.fineTuneJob.update({
    where: { id: jobId },
    data: { status: "failed", errorCode: code, errorMessage: message, retryMessage: null, finishedAt: new Date() },
  });
  const events: JobEventRow[] = [{ remoteId: null, level: "error", message, data: { code } }];
  // The provider's exact words, on their own, when our message adds an explanation around them.
  if (verbatim && verbatim !== message) events.unshift({ remoteId: null, level: "error", message: verbatim, data: { code, source: "provider" } });
  await publishEvents(deps.pub, jobId, await storeEvents(deps.db, jobId, events));
  await publishJobSummary(deps.db, deps.pub, jobId);
  deps.log?.warn(`[openai-jobs] job ${jobId} failed${code ? ` (${code})` : ""}: ${message.split("\n")[0]}`);
  return "failed";
}
