"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { SortingState } from "@tanstack/react-table";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { apiFetch, messageOf } from "../../api-client";
import { Button } from "../../ui/Button";
import { EmptyState } from "../../ui/EmptyState";
import { Notice } from "../../ui/Notice";
import { formatInt } from "../../ui/format";
import { BulkActionsBar } from "../editor/BulkActionsBar";
import { datasetKeys, type ExamplesViewProps } from "../workspace/contracts";
import { ExamplesTable } from "./ExamplesTable";
import { ExamplesToolbar } from "./ExamplesToolbar";
import styles from "./table.module.css";
import type { DatasetFacets } from "./types";
import { useAnalysis } from "./use-analysis";
import { useExamplePages } from "./use-example-pages";
import { useSelection } from "./use-selection";
import { apiQuery, hasFilters, useTableState } from "./url-state";

/** The Examples tab: filters, the virtualized table, selection with bulk actions, and "New example". */
export function ExamplesView({ datasetId, onOpenExample, openExampleId, onOrderChange }: ExamplesViewProps) {
  const queryClient = useQueryClient();
  const pathname = usePathname();
  const [state, update] = useTableState();
  const queryKey = apiQuery(state);
  const [pages, setPages] = useState<number[]>([0]);
  const data = useExamplePages(datasetId, state, pages);
  const analysis = useAnalysis(datasetId);
  const facets = useQuery({
    queryKey: [...datasetKeys.all(datasetId), "facets"],
    queryFn: () => apiFetch<DatasetFacets>(`/api/datasets/${datasetId}/facets`),
  });

  const loadedIds = useMemo(() => data.loaded.map((r) => r.id), [data.loaded]);
  const selection = useSelection(loadedIds);
  const { clear } = selection;
  // A different sort or filter is a different list: the selection and the fetched window start over.
  useEffect(() => {
    clear();
    setPages([0]);
  }, [queryKey, clear]);

  const idsKey = loadedIds.join(",");
  useEffect(() => onOrderChange(loadedIds), [idsKey]); // eslint-disable-line react-hooks/exhaustive-deps

  const onVisiblePages = useCallback((next: number[]) => setPages((prev) => (prev.join() === next.join() ? prev : next)), []);

  const sorting: SortingState = [{ id: state.sort ?? "position", desc: state.dir === "desc" }];
  const onSortingChange = (next: SortingState) => {
    const s = next[0];
    update(s && s.id !== "position" ? { sort: s.id, dir: s.desc ? "desc" : "" } : { sort: "", dir: s?.desc ? "desc" : "" });
  };

  const create = useMutation({
    mutationFn: () => apiFetch<{ example: { id: string } }>(`/api/datasets/${datasetId}/examples`, { method: "POST", body: {} }),
    onSuccess: async ({ example }) => {
      await queryClient.invalidateQueries({ queryKey: datasetKeys.all(datasetId) });
      onOpenExample(example.id);
    },
  });

  const clearFilters = () => update((s) => ({ sort: s.sort, dir: s.dir }));

  // The table fills the window below its own top edge (measured, since the header above varies).
  const frameRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = frameRef.current;
    if (!el) return;
    const measure = () => el.style.setProperty("--table-top", `${Math.max(0, el.getBoundingClientRect().top + window.scrollY)}px`);
    measure();
    window.addEventListener("resize", measure);
    return () => window.removeEventListener("resize", measure);
  });

  const total = data.total;
  const datasetTotal = facets.data?.total;
  const counting = analysis?.pending ?? false;
  const selectedIds = [...selection.selected];

  return (
    <div className={styles.view}>
      <ExamplesToolbar
        state={state}
        update={update}
        facets={facets.data}
      />
      {create.error ? <Notice tone="danger" title="Could not create an example">{messageOf(create.error)}</Notice> : null}
      {data.error ? <Notice tone="danger" title="Could not load examples">{messageOf(data.error)}</Notice> : null}
      {facets.error ? <Notice tone="warn" title="Filter menus unavailable">{messageOf(facets.error)}</Notice> : null}
      {state.q && counting ? (
        // New rows join the search index in the background analysis (lib/datasets/rows/search-index.ts).
        <Notice tone="info" title="Search is catching up">
          Examples added or imported moments ago are still being indexed and may be missing from these results.
        </Notice>
      ) : null}

      <div className={styles.summary}>
        <span className={styles.summaryCount}>
          <span aria-live="polite">
            {total === null ? (
              "Loading examples…"
            ) : (
              <>
                <strong title={data.totalExact ? undefined : "An estimate: more than 1,000 examples match this search"}>
                  {data.totalExact ? "" : "≈ "}
                  {formatInt(total)}
                </strong>
                {datasetTotal !== undefined && (hasFilters(state) || datasetTotal !== total) ? ` of ${formatInt(datasetTotal)}` : ""} {total === 1 && !datasetTotal ? "example" : "examples"}
                {selectedIds.length ? (
                  <>
                    {" · "}
                    <strong>{formatInt(selectedIds.length)}</strong> selected
                  </>
                ) : null}
              </>
            )}
          </span>
          {hasFilters(state) ? (
            <Button size="sm" variant="ghost" onClick={clearFilters}>
              Clear filters
            </Button>
          ) : null}
        </span>
        <span className={styles.summaryActions}>
          {counting && analysis ? (
            <span>
              Counting tokens… {formatInt(analysis.counted)} / {formatInt(analysis.total)}
            </span>
          ) : analysis?.error ? (
            <span className={styles.fieldError}>Analysis failed: {analysis.error}</span>
          ) : null}
          <Button size="sm" variant="primary" onClick={() => create.mutate()} disabled={create.isPending}>
            {create.isPending ? "Creating…" : "+ New example"}
          </Button>
        </span>
      </div>

      {selectedIds.length ? (
        <div role="region" aria-label="Bulk actions">
          <BulkActionsBar datasetId={datasetId} selectedIds={selectedIds} onDone={selection.clear} />
        </div>
      ) : null}

      {total === 0 && !hasFilters(state) ? (
        <EmptyState
          title="No examples yet"
          actions={
            <>
              <Link className="btn btn-primary" href={`${pathname}?tab=import`}>
                Import a file
              </Link>
              <Button onClick={() => create.mutate()} disabled={create.isPending}>
                Add an example
              </Button>
            </>
          }
        >
          <p>Import a file or add an example to start curating this dataset.</p>
        </EmptyState>
      ) : total === 0 ? (
        <EmptyState
          title="No examples match these filters"
          actions={
            <Button variant="primary" onClick={clearFilters}>
              Clear filters
            </Button>
          }
        >
          <p>Try a shorter search, another split or tag, or a wider token range.</p>
        </EmptyState>
      ) : (
        <div className={styles.frame} ref={frameRef}>
          <ExamplesTable
            listKey={queryKey}
            total={total ?? 0}
            rowAt={data.rowAt}
            loaded={data.loaded}
            sorting={sorting}
            onSortingChange={onSortingChange}
            onVisiblePages={onVisiblePages}
            selected={selection.selected}
            toggle={selection.toggle}
            setAll={selection.setAll}
            counting={counting}
            openExampleId={openExampleId}
            onOpen={onOpenExample}
          />
        </div>
      )}
    </div>
  );
}
