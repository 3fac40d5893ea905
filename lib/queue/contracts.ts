import type { JobsOptions } from "bullmq";
import { z } from "zod";
import { toolsSchema } from "../tokenizer/tool-definitions";
import { THINKING_MODES } from "../reasoning";
import { WEBHOOK_EVENTS } from "../notify/events";

// The one module that owns what travels through Redis: queue names, job names (`domain.verb`), a zod
// schema per payload, and the job id each payload maps to. Producers and consumers both import this,
// so a payload is parsed when it is enqueued and again when it is consumed.

export const QUEUE_NAMES = ["openai-jobs", "gpu-jobs", "inference", "eval", "datasets", "system"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

// Domain ids are cuids; the charset check also keeps ':' (BullMQ's key separator) out of job ids.
const domainId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be an id of letters, digits, '-' or '_'");

const fineTuneRun = z.object({ jobId: domainId }).strict();
const evalRun = z.object({ evalRunId: domainId }).strict();
// A merged-model export: the Artifact row (status pending) says which job's adapter to merge.
const modelMerge = z.object({ artifactId: domainId }).strict();
// One playground completion. Ephemeral (no Postgres row): the prompt travels in the payload and the tokens
// come back on the live channel `${prefix}:inference:${requestId}` (lib/playground owns that channel).
const playgroundGenerate = z
  .object({
    requestId: domainId,
    /** A model folder name under the models directory. */
    model: z.string().min(1).max(256),
    /** A local job whose adapter is applied; absent = the base model. */
    adapterJobId: domainId.optional(),
    messages: z.array(z.object({ role: z.enum(["system", "user", "assistant", "tool"]), content: z.string().max(100_000) }).strict()).min(1).max(200),
    maxTokens: z.number().int().min(1).max(8192),
    temperature: z.number().min(0).max(2),
    topP: z.number().gt(0).max(1),
    seed: z.number().int().min(0).optional(),
    thinking: z.enum(THINKING_MODES).optional(),
    /** OpenAI-format tool definitions the template shows the model. */
    tools: toolsSchema.optional(),
  })
  .strict();
const pruneSessions = z.object({}).strict();
const notifyEndedJobs = z.object({}).strict();
/** A delivery is tried this many times (5 s, 10 s, 20 s, 40 s apart) before the job's log says it failed. */
export const WEBHOOK_ATTEMPTS = 5;
// One ending (a job's or an evaluation's, as the event says; `id` is that row's) told to one webhook; retried with
// backoff while the receiver does not answer 2xx.
const deliverWebhook = z.object({ webhookId: domainId, id: domainId, event: z.enum(WEBHOOK_EVENTS) }).strict();
const datasetImport = z.object({ importId: domainId }).strict();
// `revision` is the Dataset.revision the analysis is for: a newer edit gets a new job instead of being
// deduplicated into one that already started on older rows.
const datasetAnalyze = z.object({ datasetId: domainId, revision: z.number().int().nonnegative() }).strict();

type Contract<S extends z.ZodType> = {
  schema: S;
  /** Overrides of DEFAULT_JOB_OPTIONS for this job name (e.g. no retries for interactive work). */
  options?: JobsOptions;
  /**
   * Deterministic BullMQ job id: enqueueing the same domain object twice yields one job (BullMQ only
   * dedupes on `jobId`). `undefined` for jobs that are scheduled, not tied to a domain row.
   */
  jobId: ((payload: z.infer<S>) => string) | undefined;
};

function contract<S extends z.ZodType>(schema: S, jobId: Contract<S>["jobId"], options?: JobsOptions): Contract<S> {
  return options ? { schema, jobId, options } : { schema, jobId };
}

export const CONTRACTS = {
  // Hosted fine-tunes: upload → create → poll (issue #5). One job per FineTuneJob row.
  "openai-jobs": {
    "finetune.run": contract(fineTuneRun, (p) => `finetune-${p.jobId}`),
  },
  // Local QLoRA fine-tunes on a GPU (or CPU) worker (issue #6).
  "gpu-jobs": {
    "finetune.run": contract(fineTuneRun, (p) => `finetune-${p.jobId}`),
    "model.merge": contract(modelMerge, (p) => `merge-${p.artifactId}`),
    // An evaluation with a local side (a local model or a local job's adapter): generation needs the trainer.
    "eval.run": contract(evalRun, (p) => `eval-${p.evalRunId}`),
  },
  // Playground generations on a GPU worker: interactive, so never retried later and never kept (the prompt
  // may be private); a lost one is simply asked again.
  inference: {
    "playground.generate": contract(playgroundGenerate, (p) => `generate-${p.requestId}`, { attempts: 1, removeOnComplete: true, removeOnFail: true }),
  },
  // Baseline vs candidate evaluation runs whose models are all remote (OpenAI, OpenAI-compatible endpoints).
  eval: {
    "eval.run": contract(evalRun, (p) => `eval-${p.evalRunId}`),
  },
  // Dataset work too big for a request: writing a staged import, counting tokens and finding duplicates.
  datasets: {
    "datasets.import": contract(datasetImport, (p) => `import-${p.importId}`),
    "datasets.analyze": contract(datasetAnalyze, (p) => `analyze-${p.datasetId}-r${p.revision}`),
  },
  // Housekeeping on a schedule.
  system: {
    "system.pruneSessions": contract(pruneSessions, undefined),
    // Finds jobs and evaluations that ended and queues their webhook deliveries (lib/notify/ended.ts).
    "system.notifyEndedJobs": contract(notifyEndedJobs, undefined),
    "system.deliverWebhook": contract(deliverWebhook, (p) => `webhook-${p.webhookId}-${p.id}`, { attempts: WEBHOOK_ATTEMPTS, backoff: { type: "exponential", delay: 5_000 } }),
  },
} as const satisfies Record<QueueName, Record<string, Contract<z.ZodType>>>;

export type Contracts = typeof CONTRACTS;
export type JobName<Q extends QueueName> = keyof Contracts[Q] & string;
export type Payload<Q extends QueueName, N extends JobName<Q>> =
  Contracts[Q][N] extends Contract<infer S> ? z.infer<S> : never;

/** How often expired sessions are deleted. */
export const PRUNE_SESSIONS_EVERY_MS = 60 * 60 * 1000;

/** How often ended jobs and evaluations are looked for, so a webhook hears of an ending within seconds whichever path ended it. */
export const NOTIFY_ENDED_JOBS_EVERY_MS = 5_000;

const HOUR_S = 60 * 60;

/**
 * Defaults for every job, set once: a few attempts with exponential backoff (remote APIs and GPUs fail
 * transiently), and finished jobs kept long enough to inspect but bounded so Redis does not grow forever.
 * Postgres keeps the durable history, so Redis needs only a window.
 */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: { age: 7 * 24 * HOUR_S, count: 1_000 },
  removeOnFail: { age: 30 * 24 * HOUR_S, count: 5_000 },
} as const satisfies JobsOptions;

export function isQueueName(name: string): name is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(name);
}

export function jobNamesOf<Q extends QueueName>(queue: Q): JobName<Q>[] {
  return Object.keys(CONTRACTS[queue]) as JobName<Q>[];
}

function contractOf(queue: QueueName, name: string): Contract<z.ZodType> | undefined {
  const forQueue = CONTRACTS[queue] as Record<string, Contract<z.ZodType>>;
  return Object.hasOwn(forQueue, name) ? forQueue[name] : undefined;
}

/** A payload that does not match its contract; the message names the queue, job and fields. */
export class PayloadError extends Error {
  constructor(
    readonly queue: QueueName,
    readonly jobName: string,
    readonly issues: z.core.$ZodIssue[],
  ) {
    const fields = issues.map((i) => `${i.path.join(".") || "(payload)"}: ${i.message}`).join("; ");
    super(`Invalid payload for ${queue}/${jobName}: ${fields}`);
    this.name = "PayloadError";
  }
}

/** Producer side: validates a payload against its contract and returns the parsed value. */
export function parsePayload<Q extends QueueName, N extends JobName<Q>>(queue: Q, name: N, data: unknown): Payload<Q, N> {
  const c = contractOf(queue, name);
  if (!c) throw new Error(`Unknown job "${name}" for queue "${queue}"`);
  const result = c.schema.safeParse(data);
  if (!result.success) throw new PayloadError(queue, name, result.error.issues);
  return result.data as Payload<Q, N>;
}

/** The contract's own job options (merged over DEFAULT_JOB_OPTIONS by the queue), if any. */
export function jobOptionsFor(queue: QueueName, name: string): JobsOptions | undefined {
  return contractOf(queue, name)?.options;
}

/** The deterministic job id of a parsed payload, or undefined for jobs not tied to a domain row. */
export function jobIdFor<Q extends QueueName, N extends JobName<Q>>(queue: Q, name: N, payload: Payload<Q, N>): string | undefined {
  const c = contractOf(queue, name);
  return c?.jobId?.(payload as never);
}

export type ParsedJob<Q extends QueueName> =
  | { known: true; name: JobName<Q>; payload: Payload<Q, JobName<Q>> }
  | { known: false; name: string };

/**
 * Consumer side. An unknown job name (left by an older or newer version) is reported as unknown so the
 * processor can log and complete it instead of retrying forever; a known name with a bad payload throws
 * PayloadError, because that is a bug worth a failed job.
 */
export function parseJob<Q extends QueueName>(queue: Q, name: string, data: unknown): ParsedJob<Q> {
  const c = contractOf(queue, name);
  if (!c) return { known: false, name };
  const result = c.schema.safeParse(data);
  if (!result.success) throw new PayloadError(queue, name, result.error.issues);
  return { known: true, name: name as JobName<Q>, payload: result.data as Payload<Q, JobName<Q>> };
}
