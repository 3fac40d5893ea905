"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import type { DatasetDiff, DiffSide } from "@/lib/datasets/versions/diff";
import type { ExportSource, ExportSplitChoice } from "@/lib/datasets/versions/export";
import type { VersionSummary } from "@/lib/datasets/versions/list";
import type { ResplitResult, SplitSummary } from "@/lib/datasets/versions/resplit";
import { apiFetch } from "../../api-client";
import { datasetKeys } from "../workspace/contracts";

// The versions tab's calls to the API. Every write invalidates the whole dataset (datasetKeys.all): a re-split
// changes the table, the statistics and leakage; a freeze adds a version.

export type { DatasetDiff, DiffSide, ResplitResult, SplitSummary, VersionSummary };

export type SplitForm = { validationRatio: number; seed: number; stratifyByTag: boolean; resetManual: boolean };

const base = (datasetId: string) => `/api/datasets/${encodeURIComponent(datasetId)}`;

export function useSplitSummary(datasetId: string) {
  return useQuery({
    queryKey: [...datasetKeys.all(datasetId), "splits"],
    queryFn: ({ signal }) => apiFetch<{ splits: SplitSummary }>(`${base(datasetId)}/splits`, { signal }).then((r) => r.splits),
  });
}

/** Counts the split would give; keeps showing the last answer while the next one loads, so nothing jumps. */
export function useSplitPreview(datasetId: string, form: SplitForm, enabled: boolean) {
  return useQuery<ResplitResult>({
    queryKey: [...datasetKeys.all(datasetId), "split-preview", form],
    queryFn: ({ signal }) =>
      apiFetch<{ split: ResplitResult }>(`${base(datasetId)}/splits`, { method: "POST", body: { ...form, preview: true }, signal }).then((r) => r.split),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useApplySplit(datasetId: string) {
  const client = useQueryClient();
  const router = useRouter();
  return useMutation({
    mutationFn: (form: SplitForm) => apiFetch<{ split: ResplitResult }>(`${base(datasetId)}/splits`, { method: "POST", body: form }).then((r) => r.split),
    onSuccess: () => {
      // The page header's counts are rendered on the server: refresh them too.
      router.refresh();
      return client.invalidateQueries({ queryKey: datasetKeys.all(datasetId) });
    },
  });
}

export function useVersions(datasetId: string) {
  return useQuery({
    queryKey: datasetKeys.versions(datasetId),
    queryFn: ({ signal }) => apiFetch<{ versions: VersionSummary[] }>(`${base(datasetId)}/versions`, { signal }).then((r) => r.versions),
  });
}

export function useFreeze(datasetId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (note: string) => apiFetch<{ version: VersionSummary }>(`${base(datasetId)}/versions`, { method: "POST", body: { note } }).then((r) => r.version),
    onSuccess: () => client.invalidateQueries({ queryKey: datasetKeys.all(datasetId) }),
  });
}

export function useDiff(datasetId: string, pair: { from: DiffSide; to: DiffSide } | null) {
  return useQuery({
    queryKey: [...datasetKeys.versions(datasetId), "diff", pair],
    queryFn: ({ signal }) =>
      apiFetch<{ diff: DatasetDiff }>(`${base(datasetId)}/versions/diff?from=${pair!.from}&to=${pair!.to}`, { signal }).then((r) => r.diff),
    enabled: pair !== null,
  });
}

export function exportHref(datasetId: string, source: ExportSource, split: ExportSplitChoice): string {
  return `${base(datasetId)}/export?version=${source}&split=${split}`;
}

export const sideLabel = (side: DiffSide) => (side === "working" ? "working set" : `v${side}`);
