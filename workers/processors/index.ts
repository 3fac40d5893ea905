import type { PrismaClient } from "@prisma/client";
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import type { QueueName } from "../../lib/queue/contracts";
import type { DispatchLogger } from "../../lib/queue/dispatch";
import { datasetsProcessor } from "./datasets";
import { evalProcessor } from "./eval";
import { inferenceProcessor } from "./inference";
import { gpuJobsProcessor } from "./gpu-jobs";
import { openAIJobsProcessor } from "./openai-jobs";
import { systemProcessor } from "./system";

// Queues this build can consume: every queue has a processor. A queue added later without one would have its
// jobs wait in Redis until a worker that has one starts.

export type ProcessorDeps = {
  db: PrismaClient;
  log: DispatchLogger & { info(message: string): void };
  /** Shared short-command connection: live updates are published on it. */
  redis: Redis;
  /** The installation's queue prefix (also the prefix of live channels). */
  prefix: string;
  /** Aborted when the process shuts down; long-running processors stop between steps. */
  signal: AbortSignal;
  /** This process's heartbeat id (jobs record which worker ran them); tests that call a factory may omit it. */
  workerId?: string;
};
export type ProcessorFactory = (deps: ProcessorDeps) => (job: Job) => Promise<unknown>;

export const PROCESSORS: Partial<Record<QueueName, ProcessorFactory>> = {
  datasets: datasetsProcessor,
  system: systemProcessor,
  "openai-jobs": openAIJobsProcessor,
  inference: inferenceProcessor,
  "gpu-jobs": gpuJobsProcessor,
  eval: evalProcessor,
};

/**
 * Queues that need the trainer's device. A plain worker (`workers/main.ts` without --queues) leaves them to
 * GPU workers (`workers/main.ts --gpu`, one process per device), so a web host never trains by accident.
 */
export const GPU_QUEUES: readonly QueueName[] = ["gpu-jobs", "inference"];

/**
 * Per-queue concurrency: housekeeping needs one slot; dataset jobs are CPU-bound (counting uses worker
 * threads); hosted fine-tunes mostly wait on OpenAI, so one process watches many.
 */
export const CONCURRENCY: Partial<Record<QueueName, number>> = {
  datasets: 2,
  system: 1,
  "openai-jobs": 20,
  // One generation at a time: a loaded model runs one operation at once, and replies are short.
  inference: 1,
  // One run at a time owns the device; more GPUs = more worker processes.
  "gpu-jobs": 1,
  // A run waits on remote models and limits its own requests (its `concurrency` per model), so a few runs
  // share one process; more would only split the same providers' rate limits further.
  eval: 4,
};

/**
 * How often a job may be found stalled (its worker died) before BullMQ fails it. A hosted run resumes
 * from Postgres without repeating side effects, so being taken over is always safe for it.
 */
export const MAX_STALLED: Partial<Record<QueueName, number>> = {
  "openai-jobs": 20,
  // A local run taken over after its worker died resumes from its last checkpoint, so a takeover is safe.
  "gpu-jobs": 20,
  // A run taken over resumes from its stored samples, generating only what is missing.
  eval: 20,
};

export function consumableQueues(): QueueName[] {
  return Object.keys(PROCESSORS) as QueueName[];
}

/** What a worker consumes by default: every queue with a processor except the GPU ones. */
export function defaultQueues(): QueueName[] {
  return consumableQueues().filter((q) => !GPU_QUEUES.includes(q));
}

/** What `--gpu` consumes: the GPU queues this version has processors for. */
export function gpuQueues(): QueueName[] {
  return consumableQueues().filter((q) => GPU_QUEUES.includes(q));
}
