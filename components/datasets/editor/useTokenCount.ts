"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { apiFetch } from "@/components/api-client";
import { useDebounced } from "@/components/ui/useDebounced";

export type TokenCount = { model: string; tokens: number; perMessage: number[]; limit: number };

/**
 * The live token count of what is in the editor, counted by the server with the dataset's model (the same
 * formula the analysis stores). Debounced so typing does not send a request per key; the previous figures stay
 * on screen while the next ones come.
 */
export function useTokenCount(datasetId: string, messages: unknown[], tools: unknown[] | null) {
  const body = JSON.stringify({ datasetId, messages, tools });
  const debounced = useDebounced(body, 300);
  return useQuery({
    queryKey: ["tokens", datasetId, debounced],
    queryFn: ({ signal }) => apiFetch<TokenCount>("/api/tokens/count", { method: "POST", body: JSON.parse(debounced) as unknown, signal }),
    placeholderData: keepPreviousData,
    staleTime: Infinity,
  });
}
