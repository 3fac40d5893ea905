import { createProcessor } from "../../lib/queue/dispatch";
import { pruneExpiredSessions } from "../../lib/workers/prune-sessions";
import type { ProcessorDeps } from "./index";

// Housekeeping queue: each job hands off to one lib function.
export function systemProcessor(deps: ProcessorDeps) {
  return createProcessor("system", {
    "system.pruneSessions": () => pruneExpiredSessions({ db: deps.db }),
  }, deps.log);
}
