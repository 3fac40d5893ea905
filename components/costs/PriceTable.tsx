"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { BASE_PRICE_SOURCE, DEFAULT_ROW_SOURCE } from "@/lib/pricing/defaults";
import type { PriceRow, PriceTable as PriceTableData } from "@/lib/pricing/list";
import { apiFetch, messageOf } from "../api-client";
import { Badge } from "../ui/Badge";
import { Button } from "../ui/Button";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { Notice } from "../ui/Notice";
import { Table } from "../ui/Table";
import { formatUsd } from "../ui/format";
import styles from "./costs.module.css";
import { PriceDialog } from "./PriceDialog";

export const PRICES_QUERY_KEY = ["prices"] as const;

export function usePrices() {
  return useQuery({ queryKey: PRICES_QUERY_KEY, queryFn: ({ signal }) => apiFetch<PriceTableData>("/api/prices", { signal }) });
}

function Price({ value }: { value: number | null }) {
  return value === null ? <span className="muted" aria-label="no price">—</span> : <>{formatUsd(value)}</>;
}

function Source({ row }: { row: PriceRow }) {
  if (row.source === "edited") return <Badge tone="info">edited</Badge>;
  if (row.source === DEFAULT_ROW_SOURCE) return <span title={row.source}>reference §5</span>;
  return <span>{row.source || "unknown"}</span>;
}

type Dialog = { kind: "edit"; row: PriceRow | null } | { kind: "delete"; row: PriceRow } | null;

export function PriceTable() {
  const queryClient = useQueryClient();
  const { data, error, isPending } = usePrices();
  const [dialog, setDialog] = useState<Dialog>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: PRICES_QUERY_KEY });
  const reset = useMutation({ mutationFn: (row: PriceRow) => apiFetch(`/api/prices/${row.id}/reset`, { method: "POST" }), onSettled: refresh });
  const remove = useMutation({
    mutationFn: (row: PriceRow) => apiFetch(`/api/prices/${row.id}`, { method: "DELETE" }),
    onSuccess: async () => {
      await refresh();
      setDialog(null);
    },
  });

  if (isPending) return <p className="muted" aria-busy="true">Loading prices…</p>;
  if (error) return <Notice tone="danger" title="Could not load prices">{messageOf(error)}</Notice>;

  return (
    <div className="stack" style={{ gap: "0.75rem" }}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <p className="muted" style={{ margin: 0, fontSize: "0.9rem" }}>
          Estimates and the ROI calculator use these prices. Edit a row when your prices differ.
        </p>
        <Button variant="primary" size="sm" onClick={() => setDialog({ kind: "edit", row: null })}>
          Add model
        </Button>
      </div>
      {reset.error ? <Notice tone="danger" title="Could not reset the row">{messageOf(reset.error)}</Notice> : null}
      <div className={styles.priceTable}>
        <Table caption="Fine-tuning and inference prices in US dollars per million tokens">
          <thead>
            {/* Two header rows: the fine-tuned model's inference prices and the base model's own, side by side. */}
            <tr>
              <th scope="col" rowSpan={2}>Model</th>
              <th scope="col" rowSpan={2} className="num">Training / 1M</th>
              <th scope="colgroup" colSpan={3} className={styles.groupHead}>Fine-tuned model / 1M</th>
              <th scope="colgroup" colSpan={2} className={`${styles.groupHead} ${styles.baseCol}`}>Base model / 1M</th>
              <th scope="col" rowSpan={2}>As of</th>
              <th scope="col" rowSpan={2} className={styles.actionsCell}>Actions</th>
            </tr>
            <tr>
              <th scope="col" className="num">Input</th>
              <th scope="col" className="num">Cached</th>
              <th scope="col" className="num">Output</th>
              <th scope="col" className={`num ${styles.baseCol}`}>Base in</th>
              <th scope="col" className="num">Base out</th>
            </tr>
          </thead>
          <tbody>
            {data.prices.map((p) => (
              <tr key={p.id} data-model={p.model}>
                <td className={styles.modelCell}>
                  <span className="mono nowrap">{p.model}</span>
                  <div className={styles.meta}>
                    {p.provider === "openai" ? "OpenAI" : p.provider} {p.legacy ? <Badge>legacy</Badge> : null}
                  </div>
                  {p.note ? <div className={styles.note}>{p.note}</div> : null}
                </td>
                <td className="num"><Price value={p.trainingPerMTok} /></td>
                <td className="num"><Price value={p.inputPerMTok} /></td>
                <td className="num"><Price value={p.cachedInputPerMTok} /></td>
                <td className="num"><Price value={p.outputPerMTok} /></td>
                <td className={`num ${styles.baseCol}`}>
                  <Price value={p.baseInputPerMTok} />
                  {p.baseCachedInputPerMTok !== null ? <div className={styles.meta}>cached {formatUsd(p.baseCachedInputPerMTok)}</div> : null}
                </td>
                <td className="num"><Price value={p.baseOutputPerMTok} /></td>
                <td className="nowrap">
                  {p.asOf ?? <span className="muted">no date</span>}
                  <div className={styles.meta}><Source row={p} /></div>
                </td>
                <td className={styles.actionsCell}>
                  <Button size="sm" variant="ghost" aria-label={`Edit ${p.model}`} onClick={() => setDialog({ kind: "edit", row: p })}>
                    Edit
                  </Button>
                  {p.hasDefault && p.source !== DEFAULT_ROW_SOURCE ? (
                    <Button size="sm" variant="ghost" aria-label={`Reset ${p.model} to its default prices`} disabled={reset.isPending} onClick={() => reset.mutate(p)}>
                      Reset
                    </Button>
                  ) : null}
                  <Button size="sm" variant="danger-ghost" aria-label={`Delete ${p.model}`} onClick={() => setDialog({ kind: "delete", row: p })}>
                    Delete
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      </div>
      <p className="muted" style={{ fontSize: "0.85rem", margin: 0 }}>
        Default rows: {DEFAULT_ROW_SOURCE}; {BASE_PRICE_SOURCE}; {data.source}. “Fine-tuned model” prices are what
        using your fine-tuned version costs; “Base model” prices (input, cached input below it, output) are what the
        model itself costs without fine-tuning. The ROI calculator and evaluations use each where it applies. “Reset”
        puts a built-in row back to its default.
      </p>
      <PriceDialog open={dialog?.kind === "edit"} row={dialog?.kind === "edit" ? dialog.row : null} onClose={() => setDialog(null)} />
      <ConfirmDialog
        open={dialog?.kind === "delete"}
        title={dialog?.kind === "delete" ? `Delete ${dialog.row.model}?` : "Delete"}
        confirmLabel="Delete row"
        busy={remove.isPending}
        error={remove.error ? messageOf(remove.error) : null}
        onConfirm={() => dialog?.kind === "delete" && remove.mutate(dialog.row)}
        onCancel={() => setDialog(null)}
      >
        <p>Estimates for this model will show no price until you add it again{dialog?.kind === "delete" && dialog.row.hasDefault ? " (a built-in row comes back only when the whole table is empty at start)" : ""}.</p>
      </ConfirmDialog>
    </div>
  );
}
