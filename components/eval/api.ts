"use client";

import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { CreateEvalRequest, EvalRunView, EvalSampleView, EvalSamplesPage, EvalSummary, Verdict } from "@/lib/eval/types";
import { apiFetch } from "../api-client";

// The eval routes as react-query hooks. The run follows its progress stream while it is queued or running; the samples are loaded page by page into one list, because filtering and sorting
// by delta need every row, and a thousand rows of text are a few hundred kilobytes.

export const evalRunKey = (id: string) => ["evals", id] as const;
export const evalSamplesKey = (id: string) => ["evals", id, "samples"] as const;

const POLL_MS = 1500;
export const isLive = (status: EvalRunView["status"]) => status === "queued" || status === "running";

export const fetchEvalRun = (id: string) => apiFetch<{ run: EvalRunView }>(`/api/evals/${encodeURIComponent(id)}`).then((r) => r.run);

/**
 * The run, kept current while it is live: the progress stream (GET /api/evals/[id]/stream) moves the counts as
 * each sample lands and says when the run ends (then the run is re-read for its summary). Polling stays on as the
 * fallback, slower while the stream is open.
 */
export function useEvalRun(initial: EvalRunView) {
  const [streaming, setStreaming] = useState(false);
  const query = useQuery({
    queryKey: evalRunKey(initial.id),
    queryFn: () => fetchEvalRun(initial.id),
    initialData: initial,
    refetchInterval: (q) => (q.state.data && isLive(q.state.data.status) ? (streaming ? STREAMING_POLL_MS : POLL_MS) : false),
  });
  useEvalProgressStream(initial.id, isLive(query.data.status), setStreaming);
  return { ...query, streaming };
}

const STREAMING_POLL_MS = 10_000;

type ProgressEvent = { generated: { baseline: number; candidate: number }; judged: number; total: number; status: EvalRunView["status"] };

function useEvalProgressStream(id: string, live: boolean, onOpen: (open: boolean) => void) {
  const qc = useQueryClient();
  useEffect(() => {
    if (!live || typeof EventSource === "undefined") return;
    const source = new EventSource(`/api/evals/${encodeURIComponent(id)}/stream`);
    // "Open" from the first event on: the server sends it after its subscription is confirmed, so from then on
    // nothing the worker publishes is missed.
    source.onerror = () => onOpen(false);
    source.addEventListener("progress", (e) => {
      onOpen(true);
      const p = JSON.parse((e as MessageEvent<string>).data) as ProgressEvent;
      // A poll already in flight read the row before this event: cancel it so it cannot put older counts back.
      void qc.cancelQueries({ queryKey: evalRunKey(id), exact: true });
      qc.setQueryData<EvalRunView>(evalRunKey(id), (run) =>
        run ? { ...run, status: p.status, progress: { ...run.progress, total: p.total, baseline: p.generated.baseline, candidate: p.generated.candidate, judged: p.judged } } : run,
      );
      if (!isLive(p.status)) {
        // Finished: stop the stream (EventSource would reconnect) and read the run again for its summary.
        source.close();
        onOpen(false);
        void qc.invalidateQueries({ queryKey: evalRunKey(id), exact: true });
      }
    });
    return () => {
      source.close();
      onOpen(false);
    };
  }, [id, live, qc, onOpen]);
}

/** The other runs of a checkpoint sweep, for the metric-vs-step chart. */
export function useSweepRuns(sweepId: string | null, live: boolean) {
  return useQuery({
    queryKey: ["evals", "sweep", sweepId],
    queryFn: () => apiFetch<{ runs: EvalRunView[] }>(`/api/evals?sweepId=${encodeURIComponent(sweepId!)}&limit=500`).then((r) => r.runs),
    enabled: !!sweepId,
    refetchInterval: live ? POLL_MS * 2 : false,
  });
}

const PAGE = 1000;

/**
 * Every sample of the run, page after page. While the run is live, the list is refetched whole when the run's
 * progress moves (new outputs and verdicts land on existing rows, not only at the end).
 */
export function useEvalSamples(id: string, version: string) {
  const [loaded, setLoaded] = useState(0);
  const query = useQuery({
    queryKey: [...evalSamplesKey(id), version],
    queryFn: async ({ signal }) => {
      const all: EvalSampleView[] = [];
      let after: number | null = -1;
      while (after !== null) {
        const page: EvalSamplesPage = await apiFetch<EvalSamplesPage>(`/api/evals/${encodeURIComponent(id)}/samples?after=${after}&limit=${PAGE}`, { signal });
        all.push(...page.samples);
        setLoaded(all.length);
        after = page.next;
      }
      return all;
    },
    placeholderData: (prev) => prev,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  return { ...query, loaded };
}

/** summary is null while the run is still going (the worker writes the summary when it finishes). */
type OverrideResult = { sample: EvalSampleView; summary: EvalSummary | null };

function patchSample(qc: QueryClient, id: string, index: number, humanVerdict: Verdict | null) {
  qc.setQueriesData<EvalSampleView[]>({ queryKey: evalSamplesKey(id) }, (rows) => rows?.map((s) => (s.index === index ? { ...s, humanVerdict } : s)));
}

/** A person's verdict on one row: shown at once, stored, and the summary the server recomputed replaces the old. */
export function useOverrideVerdict(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ index, verdict }: { index: number; verdict: Exclude<Verdict, "inconsistent"> | null; previous: Verdict | null }) =>
      apiFetch<OverrideResult>(`/api/evals/${encodeURIComponent(id)}/samples/${index}/verdict`, { method: "PUT", body: { verdict } }),
    onMutate: ({ index, verdict }) => patchSample(qc, id, index, verdict),
    onError: (_err, { index, previous }) => patchSample(qc, id, index, previous),
    onSuccess: ({ sample, summary }) => {
      patchSample(qc, id, sample.index, sample.humanVerdict);
      qc.setQueryData<EvalRunView>(evalRunKey(id), (run) => (run && summary ? { ...run, summary } : run));
    },
  });
}

export type CreateEvalResult = { runs: EvalRunView[]; warnings: string[] };

export function useCreateEval() {
  return useMutation({ mutationFn: (body: CreateEvalRequest) => apiFetch<CreateEvalResult>("/api/evals", { method: "POST", body }) });
}

export function useCancelEval(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => apiFetch<unknown>(`/api/evals/${encodeURIComponent(id)}/cancel`, { method: "POST", body: {} }),
    onSuccess: () => qc.invalidateQueries({ queryKey: evalRunKey(id), exact: true }),
  });
}
