"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { ApiError, apiFetch } from "../../api-client";
import { datasetKeys } from "../workspace/contracts";
import type { AnalysisStatus } from "./types";

/**
 * Whether token counting is still running. Polls every second while pending and refetches the table's pages
 * each time the counted number moves, so the "counting…" cells fill in as the analysis job writes them.
 * A 404 (no analysis route, or nothing to analyse) means "not pending".
 */
export function useAnalysis(datasetId: string): AnalysisStatus | null {
  const queryClient = useQueryClient();
  const { data } = useQuery({
    queryKey: datasetKeys.analysis(datasetId),
    queryFn: async () => {
      try {
        return await apiFetch<AnalysisStatus>(`/api/datasets/${datasetId}/analysis`);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
    refetchInterval: (q) => (q.state.data?.pending ? 1000 : false),
  });
  const lastCounted = useRef<string | null>(null);
  useEffect(() => {
    if (!data) return;
    const mark = `${data.counted}/${data.pending}`;
    if (lastCounted.current !== null && lastCounted.current !== mark) {
      void queryClient.invalidateQueries({ queryKey: [...datasetKeys.all(datasetId), "examples"] });
    }
    lastCounted.current = mark;
  }, [data, datasetId, queryClient]);
  return data ?? null;
}
