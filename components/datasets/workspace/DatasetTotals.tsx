"use client";

import { useQuery } from "@tanstack/react-query";
import { apiFetch } from "@/components/api-client";
import { DateTime } from "@/components/ui/DateTime";
import { formatInt } from "@/components/ui/format";
import type { DatasetDetail } from "@/lib/datasets/get";
import { datasetKeys } from "./contracts";

/**
 * The totals above the tabs. The server renders the first values; after that they follow every change made in
 * the panels (each invalidates datasetKeys.all), and they refresh while token counting is still running.
 */
export function DatasetTotals({ initial }: { initial: DatasetDetail }) {
  const { data } = useQuery({
    queryKey: [...datasetKeys.all(initial.id), "totals"],
    queryFn: () => apiFetch<{ dataset: DatasetDetail }>(`/api/datasets/${initial.id}`).then((r) => r.dataset),
    initialData: initial,
    refetchInterval: (q) => {
      const d = q.state.data;
      return d && d.analyzedRevision !== d.revision ? 2_000 : false;
    },
  });
  const d = data ?? initial;
  const counting = d.analyzedRevision !== d.revision;
  return (
    <dl className="stats" aria-label="Dataset totals">
      <div className="stat">
        <dt>Examples</dt>
        <dd>{formatInt(d.exampleCount)}</dd>
      </div>
      <div className="stat">
        <dt>Validation</dt>
        <dd>{formatInt(d.validationCount)}</dd>
      </div>
      <div className="stat">
        <dt>Tokens ({d.countModel})</dt>
        <dd title={counting ? "Counting tokens in the background; the total grows as rows are counted" : undefined}>
          {formatInt(d.tokenCount)}
          {counting ? <span className="muted" style={{ fontSize: "0.8rem", fontWeight: 400 }}> counting…</span> : null}
        </dd>
      </div>
      <div className="stat">
        <dt>Updated</dt>
        <dd style={{ fontSize: "1rem", fontWeight: 500 }}>
          <DateTime iso={d.updatedAt} />
        </dd>
      </div>
    </dl>
  );
}
