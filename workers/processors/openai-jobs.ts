import { hostedDeps, runHostedJob } from "../../lib/jobs/hosted";
import { createProcessor } from "../../lib/queue/dispatch";
import type { ProcessorDeps } from "./index";

// Hosted fine-tunes: one BullMQ job per FineTuneJob runs it from upload to the end (lib/jobs/hosted).
// The run starts with a status check, so a re-run of a terminal job is a no-op.
export function openAIJobsProcessor(deps: ProcessorDeps) {
  const hosted = hostedDeps({ db: deps.db, pub: { redis: deps.redis, prefix: deps.prefix }, signal: deps.signal, log: deps.log });
  return createProcessor(
    "openai-jobs",
    { "finetune.run": (payload) => runHostedJob(hosted, payload.jobId) },
    deps.log,
  );
}
