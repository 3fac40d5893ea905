import { runPlaygroundGeneration } from "../../lib/playground/generate-run";
import { closeCachedModels } from "../../lib/playground/model-cache";
import { createProcessor } from "../../lib/queue/dispatch";
import type { ProcessorDeps } from "./index";

// Playground replies: the base model stays loaded between requests (lib/playground/model-cache.ts), the
// tokens go out on the request's live channel. Interactive work: never retried (the contract says so).
export function inferenceProcessor(deps: ProcessorDeps) {
  // Shutdown cancels a running generation (runPlaygroundGeneration listens too); then the weights go.
  deps.signal.addEventListener("abort", () => void closeCachedModels(), { once: true });
  return createProcessor(
    "inference",
    {
      "playground.generate": (payload) => runPlaygroundGeneration({ db: deps.db, redis: deps.redis, prefix: deps.prefix, log: deps.log, signal: deps.signal }, payload),
    },
    deps.log,
  );
}
