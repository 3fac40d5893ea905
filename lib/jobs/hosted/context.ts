import type { DatasetVersion, FineTuneJob, PrismaClient } from "@prisma/client";
import type OpenAI from "openai";
import type { LivePublisher } from "../events";

// What one run of a hosted job needs. Everything external is passed in, so the worker wires production
// parts (Settings credentials, env timing) and tests wire the same SDK against the emulator.

export type HostedTiming = {
  /** Poll interval while the remote job runs (steps arrive). */
  pollMs: number;
  /** Slower pace while files process or the job validates / waits in OpenAI's queue. */
  slowPollMs: number;
  /** Cap of the exponential backoff between retries of transient failures (429, 5xx, network). */
  backoffMaxMs: number;
};

export type HostedLogger = { info(msg: string): void; warn(msg: string): void };

export type HostedDeps = {
  db: PrismaClient;
  pub: LivePublisher;
  /** Resolves the provider client once per run (Settings first, then the environment). */
  client: () => Promise<OpenAI>;
  /** Absolute data directory; dataset versions and results files live under it. */
  dataDir: string;
  timing: HostedTiming;
  /** Waits between steps; tests may advance an emulator clock instead of sleeping. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Aborted when the worker shuts down: the loop stops between steps and the job resumes elsewhere. */
  signal?: AbortSignal;
  log?: HostedLogger;
};

export type JobRow = FineTuneJob & { datasetVersion: DatasetVersion | null };

/** State of one run that is not worth a database column: re-learnt cheaply after a restart. */
export type RunMemory = {
  /** File ids seen "processed" during this run. */
  processedFiles: Set<string>;
  cancelSent: boolean;
  /** Consecutive transient failures, for the backoff. */
  failures: number;
};

export type StepContext = Omit<HostedDeps, "client"> & { client: OpenAI; mem: RunMemory };

/** Milliseconds to wait before the next step (0: go on at once). */
export type StepResult = number;

export const loadJobRow = (db: PrismaClient, id: string): Promise<JobRow | null> =>
  db.fineTuneJob.findUnique({ where: { id }, include: { datasetVersion: true } });

/** A failure that ends the job with a code and a message for the user (bad input, OpenAI refused). */
export class JobFailure extends Error {
  constructor(
    readonly code: string | null,
    message: string,
    /** The provider's own words, kept as an event next to our explanation. */
    readonly verbatim?: string,
  ) {
    super(message);
    this.name = "JobFailure";
  }
}
