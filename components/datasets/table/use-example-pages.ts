"use client";

import { keepPreviousData, useQueries, type UseQueryResult } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";
import { apiFetch } from "../../api-client";
import { datasetKeys } from "../workspace/contracts";
import type { ExampleRow, ExamplesPage } from "./types";
import { apiQuery, type TableState } from "./url-state";

export const PAGE_SIZE = 50;

export type ExamplePages = {
  /** Rows matching the filters (from the latest page answered). */
  total: number | null;
  /** False when the total is an estimate (a search matching many rows). */
  totalExact: boolean;
  /** The row at an index, or undefined while its page loads. */
  rowAt: (index: number) => ExampleRow | undefined;
  /** Loaded rows in table order (for next/previous in the editor and select-all). */
  loaded: ExampleRow[];
  error: unknown;
  /** True until the first page of the current query has answered. */
  loading: boolean;
};

/**
 * Pages of 50 rows fetched on demand: the table asks for the pages its visible window touches, each one a
 * react-query entry keyed by the query and page index (cached, refetched on invalidation of the dataset).
 */
export function useExamplePages(datasetId: string, state: TableState, pages: number[]): ExamplePages {
  const wanted = useMemo(() => [...new Set([0, ...pages])].sort((a, b) => a - b), [pages]);
  const combine = useCallback(
    (results: UseQueryResult<ExamplesPage>[]): ExamplePages => {
      const byPage = new Map<number, ExampleRow[]>();
      let total: number | null = null;
      let totalExact = true;
      let end = Infinity;
      let error: unknown = null;
      wanted.forEach((page, i) => {
        const r = results[i];
        if (r?.data) {
          byPage.set(page, r.data.rows);
          if (total === null || !r.isPlaceholderData) {
            total = r.data.total;
            totalExact = r.data.totalExact;
          }
          // A short page is the real end of the list, whatever an estimated total said.
          if (!r.isPlaceholderData && r.data.rows.length < PAGE_SIZE) end = Math.min(end, page * PAGE_SIZE + r.data.rows.length);
        }
        if (r?.error && !error) error = r.error;
      });
      if (total !== null && end < total) total = end;
      return {
        total,
        totalExact,
        rowAt: (index: number) => byPage.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE],
        loaded: wanted.flatMap((p) => byPage.get(p) ?? []),
        error,
        loading: !results[0]?.data,
      };
    },
    [wanted],
  );
  return useQueries({
    queries: wanted.map((page) => ({
      queryKey: datasetKeys.examples(datasetId, { ...state, page }),
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        apiFetch<ExamplesPage>(`/api/datasets/${datasetId}/examples?${apiQuery(state, { offset: page * PAGE_SIZE, limit: PAGE_SIZE })}`, { signal }),
      // Page 0 keeps showing the previous result while a new filter loads, so the table does not flash empty.
      placeholderData: page === 0 ? keepPreviousData : undefined,
      staleTime: 5_000,
    })),
    combine,
  });
}
