"use client";

import { useQuery } from "@tanstack/react-query";
import type { PriceTable as PriceTableData } from "@/lib/pricing/list";
import { apiFetch, messageOf } from "../api-client";
import { DateTime } from "../ui/DateTime";
import { Notice } from "../ui/Notice";
import { Table } from "../ui/Table";
import { formatUsd } from "../ui/format";

function Price({ value }: { value: number | null }) {
  return value === null ? <span className="muted">—</span> : <>{formatUsd(value)}</>;
}

export function PriceTable() {
  const { data, error, isPending } = useQuery({
    queryKey: ["prices"],
    queryFn: ({ signal }) => apiFetch<PriceTableData>("/api/prices", { signal }),
  });

  if (isPending) return <p className="muted" aria-busy="true">Loading prices…</p>;
  if (error) return <Notice tone="danger" title="Could not load prices">{messageOf(error)}</Notice>;

  const updated = data.prices.reduce<string | null>((max, p) => (max === null || p.updatedAt > max ? p.updatedAt : max), null);
  return (
    <div className="stack">
      <Table caption="Fine-tuning prices in US dollars per million tokens">
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col" className="num">Training / 1M</th>
            <th scope="col" className="num">Input / 1M</th>
            <th scope="col" className="num">Output / 1M</th>
            <th scope="col">Notes</th>
          </tr>
        </thead>
        <tbody>
          {data.prices.map((p) => (
            <tr key={p.id}>
              <td className="nowrap">
                <span className="mono">{p.model}</span>
                <div className="muted" style={{ fontSize: "0.8rem" }}>{p.provider === "openai" ? "OpenAI" : p.provider}</div>
              </td>
              <td className="num"><Price value={p.trainingPerMTok} /></td>
              <td className="num"><Price value={p.inputPerMTok} /></td>
              <td className="num"><Price value={p.outputPerMTok} /></td>
              <td className="muted" style={{ fontSize: "0.85rem" }}>{p.note || "—"}</td>
            </tr>
          ))}
        </tbody>
      </Table>
      <p className="muted" style={{ fontSize: "0.88rem" }}>
        Source: {data.source}. Input and output are the prices of using the fine-tuned model. Last changed{" "}
        <DateTime iso={updated} />.
      </p>
    </div>
  );
}
