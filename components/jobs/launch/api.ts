"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import type { LaunchEstimate } from "@/lib/jobs/launch/check";
import type { LaunchIssue } from "@/lib/jobs/launch/issues";
import type { JobView } from "@/lib/jobs/types";
import { apiFetch } from "../../api-client";
import { useDebounced } from "../../ui/useDebounced";
import type { LaunchRequestBody } from "./form-state";

export type { LaunchEstimate, LaunchIssue };

const ESTIMATE_DEBOUNCE_MS = 300;


/**
 * The live estimate for the form as it stands. `settled` is false while the shown answer belongs to older
 * fields (typing, or the request in flight): Launch waits for the answer that matches what will be sent.
 */
export function useLaunchEstimate(request: LaunchRequestBody) {
  const debounced = useDebounced(request, ESTIMATE_DEBOUNCE_MS);
  const query = useQuery<LaunchEstimate>({
    queryKey: ["jobs", "launch-estimate", debounced],
    queryFn: ({ signal }) => apiFetch<{ estimate: LaunchEstimate }>("/api/jobs/estimate", { method: "POST", body: debounced, signal }).then((r) => r.estimate),
    placeholderData: keepPreviousData,
    enabled: !!debounced.datasetVersionId,
  });
  const settled = JSON.stringify(debounced) === JSON.stringify(request) && !query.isPlaceholderData && !query.isFetching;
  return { data: query.data, error: query.error, isPending: query.isPending, settled };
}

export function useLaunchJob() {
  return useMutation({
    mutationFn: (request: LaunchRequestBody) => apiFetch<{ job: JobView }>("/api/jobs", { method: "POST", body: request }).then((r) => r.job),
  });
}
