import type { PrismaClient } from "@prisma/client";
import { dataDir, env, type Env } from "../../env";
import { openAIClient } from "../../providers/openai/client";
import type { LivePublisher } from "../events";
import type { HostedDeps, HostedLogger, HostedTiming } from "./context";

// Production wiring of a hosted run: Settings credentials (environment fallback), timing from the env.

export { runHostedJob, type HostedRunResult } from "./run";
export type { HostedDeps, HostedTiming } from "./context";

export function hostedTimingFromEnv(e: Env = env()): HostedTiming {
  return { pollMs: e.TUNEFORGE_OPENAI_POLL_MS, slowPollMs: e.TUNEFORGE_OPENAI_SLOW_POLL_MS, backoffMaxMs: e.TUNEFORGE_OPENAI_BACKOFF_MAX_MS };
}

export function hostedDeps(opts: { db: PrismaClient; pub: LivePublisher; signal?: AbortSignal; log?: HostedLogger }): HostedDeps {
  return {
    ...opts,
    // The worker retries itself (with backoff, a visible retry message, and a metadata lookup before any
    // second create), so the SDK's silent retries are off: a retried POST /fine_tuning/jobs could duplicate a job.
    client: () => openAIClient({ db: opts.db, maxRetries: 0 }),
    dataDir: dataDir(),
    timing: hostedTimingFromEnv(),
  };
}
