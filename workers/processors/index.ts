import type { PrismaClient } from "@prisma/client";
import type { Job } from "bullmq";
import type { QueueName } from "../../lib/queue/contracts";
import type { DispatchLogger } from "../../lib/queue/dispatch";
import { datasetsProcessor } from "./datasets";
import { systemProcessor } from "./system";

// Queues this build can consume. A queue without an entry has no processor yet (fine-tune and eval
// processors arrive with their features); its jobs wait in Redis until a worker that has one starts.

export type ProcessorDeps = { db: PrismaClient; log: DispatchLogger };
export type ProcessorFactory = (deps: ProcessorDeps) => (job: Job) => Promise<unknown>;

export const PROCESSORS: Partial<Record<QueueName, ProcessorFactory>> = {
  datasets: datasetsProcessor,
  system: systemProcessor,
};

/** Per-queue concurrency: housekeeping needs one slot; dataset jobs are CPU-bound (counting uses worker threads). */
export const CONCURRENCY: Partial<Record<QueueName, number>> = {
  datasets: 2,
  system: 1,
};

export function consumableQueues(): QueueName[] {
  return Object.keys(PROCESSORS) as QueueName[];
}
