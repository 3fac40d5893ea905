import type { PrismaClient } from "@prisma/client";
import { createProcessor } from "../../lib/queue/dispatch";
import { pruneExpiredSessions } from "../../lib/workers/prune-sessions";

// Housekeeping queue: each job hands off to one lib function.
export function systemProcessor(deps: { db: PrismaClient }) {
  return createProcessor("system", {
    "system.pruneSessions": () => pruneExpiredSessions({ db: deps.db }),
  });
}
