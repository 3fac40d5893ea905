import type { PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { env } from "../../env";
import { assertJobExists } from "./history";
import { liveHub, type LiveHub } from "./hub";
import { parseCursor, sseResponse } from "./sse";
import { jobEventStream } from "./stream";

// GET /api/jobs/[id]/stream in one call: 404 for an unknown job, else a text/event-stream response whose
// body follows lib/jobs/live/stream.ts. The defaults are the process's database, hub and queue prefix.

export async function jobStreamResponse(opts: {
  jobId: string;
  lastEventId: string | null;
  after?: string;
  signal?: AbortSignal;
  db?: PrismaClient;
  hub?: LiveHub;
  prefix?: string;
  heartbeatMs?: number;
  endGraceMs?: number;
}): Promise<Response> {
  const db = opts.db ?? prisma();
  await assertJobExists(db, opts.jobId);
  const body = jobEventStream({
    jobId: opts.jobId,
    after: parseCursor(opts.lastEventId, opts.after),
    db,
    hub: opts.hub ?? liveHub(),
    prefix: opts.prefix ?? env().TUNEFORGE_QUEUE_PREFIX,
    signal: opts.signal,
    heartbeatMs: opts.heartbeatMs,
    endGraceMs: opts.endGraceMs,
  });
  return sseResponse(body);
}
