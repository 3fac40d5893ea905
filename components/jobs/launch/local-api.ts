"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import type { JobView } from "@/lib/jobs/types";
import type { LocalEstimate } from "@/lib/models/local-estimate";
import { apiFetch } from "../../api-client";
import { useDebounced } from "../../ui/useDebounced";
import type { LocalLaunchBody } from "./local-form-state";

export type { LocalEstimate };

/** POST /api/models/[name]/estimate for the form as it stands (debounced; the previous answer stays shown). */
export function useLocalEstimate(body: LocalLaunchBody) {
  const debounced = useDebounced(body, 300);
  const query = useQuery<LocalEstimate>({
    queryKey: ["models", debounced.baseModel, "estimate", debounced.datasetVersionId, debounced.config],
    queryFn: ({ signal }) =>
      apiFetch<{ estimate: LocalEstimate }>(`/api/models/${encodeURIComponent(debounced.baseModel)}/estimate`, {
        method: "POST",
        body: { datasetVersionId: debounced.datasetVersionId, config: debounced.config },
        signal,
      }).then((r) => r.estimate),
    enabled: !!debounced.baseModel && !!debounced.datasetVersionId,
    placeholderData: keepPreviousData,
    retry: false,
  });
  const settled = JSON.stringify(debounced) === JSON.stringify(body) && !query.isPlaceholderData && !query.isFetching;
  return { data: query.data, error: query.error, isPending: query.isPending, settled };
}

/** POST /api/jobs with provider "local" (localLaunchRequestSchema). */
export function useLaunchLocalJob() {
  return useMutation({
    mutationFn: (body: LocalLaunchBody) => apiFetch<{ job: JobView }>("/api/jobs", { method: "POST", body }).then((r) => r.job),
  });
}

/** POST /api/jobs/sweep: one local job per value of one setting (lib/jobs/launch/sweep.ts). */
export function useLaunchSweep() {
  return useMutation({
    mutationFn: (body: { launch: LocalLaunchBody; sweep: { field: string; values: number[] } }) => apiFetch<{ jobs: JobView[] }>("/api/jobs/sweep", { method: "POST", body }).then((r) => r.jobs),
  });
}
