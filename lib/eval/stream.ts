import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { env } from "../env";
import { notFound } from "../http/errors";
import { liveHub, type LiveHub } from "../jobs/live/hub";
import { sseComment, sseEvent, sseResponse, sseRetry } from "../jobs/live/sse";
import { evalChannel, progressFromRows } from "./live";
import { isTerminalEvalStatus } from "./statuses";
import type { EvalProgress } from "./types";

// GET /api/evals/[id]/stream: a run's progress as Server-Sent Events, so an open run page moves as each sample
// lands instead of on a poll. The worker publishes counts (lib/eval/live.ts); they are totals, not deltas, so a
// message lost between reconnects costs nothing: the first event of every connection is the count read from
// Postgres after subscribing, and any later message supersedes it. The stream ends after a terminal status.

export type EvalStreamOptions = { evalRunId: string; signal?: AbortSignal; db?: PrismaClient; hub?: LiveHub; prefix?: string; heartbeatMs?: number };

export async function evalStreamResponse(opts: EvalStreamOptions): Promise<Response> {
  const db = opts.db ?? prisma();
  const hub = opts.hub ?? liveHub();
  const prefix = opts.prefix ?? env().TUNEFORGE_QUEUE_PREFIX;
  const exists = await db.evalRun.findUnique({ where: { id: opts.evalRunId }, select: { id: true } });
  if (!exists) throw notFound(`Evaluation ${opts.evalRunId}`);

  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        cleanup();
        try {
          controller.close();
        } catch {
          // already closed by the client going away
        }
      };
      const send = (p: EvalProgress) => {
        if (closed) return;
        controller.enqueue(sseEvent({ event: "progress", data: p }));
        if (isTerminalEvalStatus(p.status)) close();
      };
      controller.enqueue(sseRetry(2_000));
      const unsubscribe = await hub.subscribe(evalChannel(prefix, opts.evalRunId), {
        message: (raw) => {
          try {
            const { type: _type, ...p } = JSON.parse(raw) as EvalProgress & { type?: string };
            send(p);
          } catch {
            // not ours to fail on: a malformed message is skipped
          }
        },
      });
      const heartbeat = setInterval(() => !closed && controller.enqueue(sseComment("keep-alive")), opts.heartbeatMs ?? 15_000);
      const onAbort = () => close();
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      cleanup = () => {
        clearInterval(heartbeat);
        unsubscribe();
        opts.signal?.removeEventListener("abort", onAbort);
      };
      // Read after subscribing: whatever is published from now on arrives as a message, so nothing falls between.
      const now = await progressFromRows(db, opts.evalRunId);
      if (now) send(now);
      else close();
    },
    cancel() {
      cleanup();
    },
  });
  return sseResponse(body);
}
