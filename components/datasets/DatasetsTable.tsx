"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { DatasetSummary } from "@/lib/datasets/list";
import { apiFetch, messageOf } from "../api-client";
import { Badge } from "../ui/Badge";
import { Button, ButtonLink } from "../ui/Button";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { DateTime } from "../ui/DateTime";
import { EmptyState } from "../ui/EmptyState";
import { Notice } from "../ui/Notice";
import { Table } from "../ui/Table";
import { formatInt } from "../ui/format";

export const DATASETS_KEY = ["datasets"] as const;

export function DatasetsTable() {
  const queryClient = useQueryClient();
  const { data, error, isPending } = useQuery({
    queryKey: DATASETS_KEY,
    queryFn: ({ signal }) => apiFetch<{ datasets: DatasetSummary[] }>("/api/datasets", { signal }),
  });
  const [pending, setPending] = useState<DatasetSummary | null>(null);
  const [deleted, setDeleted] = useState<string | null>(null);

  const remove = useMutation({
    mutationFn: (d: DatasetSummary) => apiFetch<{ deleted: { id: string; name: string } }>(`/api/datasets/${encodeURIComponent(d.id)}`, { method: "DELETE" }),
    onSuccess: async (res) => {
      setDeleted(res.deleted.name);
      setPending(null);
      await queryClient.invalidateQueries({ queryKey: DATASETS_KEY });
    },
  });

  if (isPending) return <p className="muted" aria-busy="true">Loading datasets…</p>;
  if (error) return <Notice tone="danger" title="Could not load datasets">{messageOf(error)}</Notice>;

  const datasets = data.datasets;
  return (
    <div className="stack">
      {deleted ? <Notice tone="ok">Deleted “{deleted}”.</Notice> : null}
      {datasets.length === 0 ? (
        <EmptyState icon="▤" title="No datasets yet">
          <p>
            A dataset is a set of chat examples in OpenAI&apos;s JSONL format: a system prompt, the user&apos;s message and
            the answer you want the model to learn. Create one with “New dataset”, then import a JSONL or CSV file into it.
          </p>
        </EmptyState>
      ) : (
        <Table caption="Datasets">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="num">Examples</th>
              <th scope="col" className="num">Train</th>
              <th scope="col" className="num">Validation</th>
              <th scope="col" className="num">Tokens</th>
              <th scope="col">Updated</th>
              <th scope="col"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {datasets.map((d) => (
              <tr key={d.id}>
                <td>
                  <div className="row" style={{ gap: "0.5rem" }}>
                    <Link href={`/datasets/${encodeURIComponent(d.id)}`}>{d.name}</Link>
                    {d.isSample ? <Badge tone="sample">Sample</Badge> : null}
                  </div>
                </td>
                <td className="num">{formatInt(d.exampleCount)}</td>
                <td className="num">{formatInt(d.trainCount)}</td>
                <td className="num">{formatInt(d.validationCount)}</td>
                <td className="num">{formatInt(d.tokenCount)}</td>
                <td className="nowrap"><DateTime iso={d.updatedAt} compact /></td>
                <td className="actions">
                  {/* The name stays "Import file" (the row gives the dataset): a link named after the dataset would
                      compete with the dataset's own link for its name. */}
                  <ButtonLink size="sm" variant="ghost" href={`/datasets/${encodeURIComponent(d.id)}?tab=import`}>
                    Import file
                  </ButtonLink>
                  <Button
                    variant="danger-ghost"
                    size="sm"
                    onClick={() => {
                      remove.reset();
                      setPending(d);
                    }}
                    aria-label={`Delete ${d.name}`}
                  >
                    Delete
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      <ConfirmDialog
        open={pending !== null}
        title={`Delete “${pending?.name ?? ""}”?`}
        confirmLabel="Delete dataset"
        busyLabel="Deleting…"
        busy={remove.isPending}
        error={remove.error ? messageOf(remove.error) : null}
        onCancel={() => setPending(null)}
        onConfirm={() => pending && remove.mutate(pending)}
      >
        <p>
          This removes the dataset and its {formatInt(pending?.exampleCount ?? 0)} examples. It cannot be undone.
          {pending?.isSample ? " The sample will not be re-created on the next start." : ""}
        </p>
      </ConfirmDialog>
    </div>
  );
}
