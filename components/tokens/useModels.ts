"use client";

import { useQuery } from "@tanstack/react-query";
import type { ModelsOverview } from "@/lib/models/details";
import { apiFetch } from "../api-client";

/** GET /api/models, shared by the Models page, the launch form and the token preview's model picker. */
export function useModels() {
  return useQuery({
    queryKey: ["models"],
    queryFn: ({ signal }) => apiFetch<ModelsOverview>("/api/models", { signal }),
    staleTime: 10_000,
  });
}
