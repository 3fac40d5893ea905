import type { PrismaClient } from "@prisma/client";
import { isTerminalJobStatus } from "../types";
import { jobChannel, parseLiveMessage, type LiveMessage } from "./channel";
import { loadHistorySince } from "./history";
import type { LiveHub } from "./hub";
import { sseComment, sseEvent, sseRetry } from "./sse";

// The body of GET /api/jobs/[id]/stream. Order matters for "no gaps, no duplicates":
//   1. subscribe to the job's channel (messages from now on are buffered),
//   2. read history after the client's cursor from Postgres (the worker writes there before publishing),
//   3. send history, then the buffer, then live messages, dropping metric points at or below the last
//      step sent — anything both in history and in the buffer goes out once.
// Every message carries `id: <last step sent>`, so EventSource's automatic reconnect resumes at the cursor.

export type JobStreamOptions = {
  jobId: string;
  /** Step the client already has; -1 for none. */
  after: number;
  db: PrismaClient;
  hub: LiveHub;
  prefix: string;
  signal?: AbortSignal;
  heartbeatMs?: number;
  /** After a terminal status is sent, keep relaying this long (last points, final events), then end. */
  endGraceMs?: number;
};

export function jobEventStream(opts: JobStreamOptions): ReadableStream<Uint8Array> {
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let lastStep = opts.after;
      let closed = false;
      let buffer: LiveMessage[] | null = [];
      let unsubscribe = () => {};
      let heartbeat: ReturnType<typeof setInterval> | undefined;
      let ending: ReturnType<typeof setTimeout> | undefined;

      const close = (final?: { event: string; data: unknown }) => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        clearTimeout(ending);
        unsubscribe();
        opts.signal?.removeEventListener("abort", onAbort);
        try {
          if (final) controller.enqueue(sseEvent(final));
          controller.close();
        } catch {
          // the client is already gone
        }
      };
      const onAbort = () => close();
      cleanup = () => close();

      const write = (chunk: Uint8Array) => {
        if (closed) return;
        try {
          controller.enqueue(chunk);
        } catch {
          close();
        }
      };
      const id = () => (lastStep >= 0 ? String(lastStep) : undefined);

      const deliver = (m: LiveMessage) => {
        if (m.type === "metrics") {
          const fresh = m.points.filter((p) => p.step > lastStep).sort((a, b) => a.step - b.step);
          if (fresh.length === 0) return;
          lastStep = fresh.at(-1)!.step;
          write(sseEvent({ id: id(), data: { type: "metrics", points: fresh } satisfies LiveMessage }));
          return;
        }
        if ((m.type === "events" && m.events.length === 0) || (m.type === "checkpoints" && m.checkpoints.length === 0 && !m.complete)) return;
        write(sseEvent({ id: id(), data: m }));
        if (m.type === "job" && isTerminalJobStatus(m.job.status) && !ending) {
          ending = setTimeout(() => close({ event: "end", data: { status: m.job.status } }), opts.endGraceMs ?? 1500);
        }
      };

      // Reads what Postgres holds after the cursor while live messages wait in the buffer, then flushes it.
      const catchUp = async () => {
        buffer ??= [];
        const h = await loadHistorySince(opts.db, opts.jobId, lastStep);
        if (closed) return;
        const pending = buffer;
        buffer = null;
        deliver({ type: "job", job: h.job });
        deliver({ type: "metrics", points: h.points });
        deliver({ type: "events", events: h.events });
        deliver({ type: "checkpoints", checkpoints: h.checkpoints, complete: true });
        for (const m of pending) deliver(m);
      };

      const fail = (err: unknown) => {
        console.error(`[live] stream for job ${opts.jobId}: ${(err as Error).message}`);
        close({ event: "stream-error", data: { message: "The live stream stopped; reconnecting." } });
      };

      if (opts.signal?.aborted) return close();
      opts.signal?.addEventListener("abort", onAbort);
      write(sseRetry(1000));
      opts.hub
        .subscribe(jobChannel(opts.prefix, opts.jobId), {
          message: (raw) => {
            const m = parseLiveMessage(raw);
            if (!m) return;
            if (buffer) buffer.push(m);
            else deliver(m);
          },
          // After a Redis reconnect: buffer from the drop on, re-read Postgres, then flush (as on connect).
          interrupted: () => {
            buffer ??= [];
          },
          resync: () => void catchUp().catch(fail),
        })
        .then(async (unsub) => {
          unsubscribe = unsub;
          if (closed) return unsub();
          await catchUp();
          heartbeat = setInterval(() => write(sseComment("ping")), opts.heartbeatMs ?? 15_000);
        })
        .catch(fail);
    },
    cancel() {
      cleanup();
    },
  });
}
