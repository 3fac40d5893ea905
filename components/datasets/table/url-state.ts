"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";

// The table's sort and filters live in the URL (same names as the API's search params), so a reload, a link
// or Back restores the view. Other params of the page (tab, example) pass through untouched.

export const TABLE_PARAMS = ["q", "split", "tag", "code", "status", "duplicates", "minTokens", "maxTokens", "sort", "dir"] as const;
export type TableParam = (typeof TABLE_PARAMS)[number];
export type TableState = Partial<Record<TableParam, string>>;

export const FILTER_PARAMS: TableParam[] = ["q", "split", "tag", "code", "status", "duplicates", "minTokens", "maxTokens"];

export function readTableState(search: URLSearchParams): TableState {
  const state: TableState = {};
  for (const p of TABLE_PARAMS) {
    const v = search.get(p);
    if (v) state[p] = v;
  }
  return state;
}

export function hasFilters(state: TableState): boolean {
  return FILTER_PARAMS.some((p) => state[p]);
}

/** The API query string for a state (sorted keys, so equal states share a react-query key). */
export function apiQuery(state: TableState, extra: Record<string, number> = {}): string {
  const q = new URLSearchParams();
  for (const p of TABLE_PARAMS) if (state[p]) q.set(p, state[p]!);
  for (const [k, v] of Object.entries(extra)) q.set(k, String(v));
  return q.toString();
}

export function useTableState(): [TableState, (changes: TableState | ((s: TableState) => TableState)) => void] {
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();
  const urlState = useMemo(() => readTableState(new URLSearchParams(search.toString())), [search]);
  // The router commits a replace() a moment later; until then the view shows (and the next change builds
  // on) what was asked for, so two quick clicks on a header sort ascending, then descending.
  const pending = useRef<TableState | null>(null);
  const [, rerender] = useState(0);
  useEffect(() => {
    pending.current = null;
  }, [urlState]);

  const update = useCallback(
    (changes: TableState | ((s: TableState) => TableState)) => {
      const current = pending.current ?? readTableState(new URLSearchParams(window.location.search));
      const next = typeof changes === "function" ? changes(current) : { ...current, ...changes };
      const params = new URLSearchParams(window.location.search);
      for (const p of TABLE_PARAMS) {
        const v = next[p];
        if (v) params.set(p, v);
        else params.delete(p);
      }
      pending.current = readTableState(params);
      rerender((n) => n + 1);
      const qs = params.toString();
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    },
    [router, pathname],
  );
  return [pending.current ?? urlState, update];
}
