"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { LiveMessage } from "@/lib/jobs/live/channel";
import { mergeLiveMessage } from "@/lib/jobs/monitor/merge";
import type { JobView } from "@/lib/jobs/types";

// Keeps the cached job view current from GET /api/jobs/[id]/stream. Messages that arrive within one frame
// are merged in one cache update, so a burst of points costs one chart render. EventSource reconnects by
// itself with Last-Event-ID (the last step it got); when it gives up (the server answered an error) we
// open a new one after a pause, starting after the newest step we hold.

export type StreamState = "connecting" | "open" | "closed";

export const jobQueryKey = (id: string) => ["job", id] as const;

export function useJobStream(jobId: string, active: boolean): StreamState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<StreamState>(active ? "connecting" : "closed");

  useEffect(() => {
    if (!active) {
      setState("closed");
      return;
    }
    let source: EventSource | null = null;
    let pending: LiveMessage[] = [];
    let frame = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;

    const flush = () => {
      frame = 0;
      const messages = pending;
      pending = [];
      queryClient.setQueryData<JobView>(jobQueryKey(jobId), (view) => (view ? messages.reduce(mergeLiveMessage, view) : view));
    };

    const open = () => {
      if (stopped) return;
      const after = queryClient.getQueryData<JobView>(jobQueryKey(jobId))?.metrics.at(-1)?.step ?? -1;
      setState("connecting");
      const es = new EventSource(`/api/jobs/${encodeURIComponent(jobId)}/stream?after=${after}`);
      source = es;
      es.onopen = () => setState("open");
      es.onmessage = (e: MessageEvent<string>) => {
        pending.push(JSON.parse(e.data) as LiveMessage);
        frame ||= requestAnimationFrame(flush);
      };
      es.addEventListener("end", () => {
        es.close();
        setState("closed");
      });
      es.addEventListener("stream-error", () => {
        es.close();
        retry = setTimeout(open, 2000);
      });
      es.onerror = () => {
        if (es.readyState === EventSource.CLOSED) {
          setState("connecting");
          retry = setTimeout(open, 5000);
        } else setState("connecting");
      };
    };
    open();

    return () => {
      stopped = true;
      source?.close();
      clearTimeout(retry);
      if (frame) cancelAnimationFrame(frame);
      // Whatever arrived in the last frame still belongs in the cache.
      if (pending.length) flush();
    };
  }, [jobId, active, queryClient]);

  return state;
}
