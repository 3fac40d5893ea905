"use client";

import { useQuery } from "@tanstack/react-query";
import type { ImportView } from "@/lib/datasets/import/types";
import { apiFetch, messageOf } from "../../api-client";
import { Badge } from "../../ui/Badge";
import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { DateTime } from "../../ui/DateTime";
import { Notice } from "../../ui/Notice";
import { Table } from "../../ui/Table";
import { formatInt } from "../../ui/format";
import { datasetKeys } from "../workspace/contracts";
import { STATUS_LABEL } from "./ImportStatusCard";
import { formatBytes } from "./upload";
import styles from "./import.module.css";

export function useImports(datasetId: string) {
  return useQuery({
    queryKey: datasetKeys.imports(datasetId),
    queryFn: ({ signal }) => apiFetch<{ imports: ImportView[] }>(`/api/datasets/${encodeURIComponent(datasetId)}/imports`, { signal }),
  });
}

/** Earlier imports of this dataset, newest first; "Open" shows one's report again. */
export function ImportHistory({ datasetId, onOpen, openId }: { datasetId: string; onOpen: (id: string) => void; openId: string | null }) {
  const { data, error } = useImports(datasetId);
  if (error) return <Notice tone="danger" title="Could not load import history">{messageOf(error)}</Notice>;
  if (!data || data.imports.length === 0) return null;
  return (
    <Card title="Import history">
      <Table caption="Import history">
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">Size</th>
            <th scope="col" className="num">Imported</th>
            <th scope="col" className="num">Skipped</th>
            <th scope="col">Started</th>
            <th scope="col"><span className="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {data.imports.map((imp) => (
            <tr key={imp.id}>
              <td className={styles.historyName}>{imp.fileName}</td>
              <td>
                <Badge tone={STATUS_LABEL[imp.status].tone}>{STATUS_LABEL[imp.status].label}</Badge>
              </td>
              <td className="num">{formatBytes(imp.bytes)}</td>
              <td className="num">{formatInt(imp.imported)}</td>
              <td className="num">{formatInt(imp.skipped)}</td>
              <td>
                <DateTime iso={imp.createdAt} />
              </td>
              <td className="actions">
                <Button size="sm" variant="ghost" disabled={openId === imp.id} onClick={() => onOpen(imp.id)} aria-label={`Open import of ${imp.fileName}`}>
                  Open
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
    </Card>
  );
}
