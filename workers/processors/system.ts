import { createProcessor } from "../../lib/queue/dispatch";
import { createQueueSet, type QueueSet } from "../../lib/queue/queues";
import { deliverEnding, queueEndings } from "../../lib/notify/ended";
import { pruneExpiredSessions } from "../../lib/workers/prune-sessions";
import type { ProcessorDeps } from "./index";

// Housekeeping queue: each job hands off to one lib function.
export function systemProcessor(deps: ProcessorDeps) {
  let ownQueues: QueueSet | undefined;
  return createProcessor("system", {
    "system.pruneSessions": () => pruneExpiredSessions({ db: deps.db }),
    // Deliveries go on this worker's own queues (its prefix), whatever the process-wide default.
    "system.notifyEndedJobs": () => queueEndings(deps.db, { queues: (ownQueues ??= createQueueSet({ connection: deps.redis, prefix: deps.prefix })) }),
    "system.deliverWebhook": (payload, job) => deliverEnding(deps.db, payload, job),
  }, deps.log);
}
