"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import type { ImportView } from "@/lib/datasets/import/types";
import { apiFetch, messageOf } from "../../api-client";
import { Badge } from "../../ui/Badge";
import { Button, ButtonLink } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { Notice } from "../../ui/Notice";
import { formatInt, plural } from "../../ui/format";
import { datasetKeys } from "../workspace/contracts";
import { CsvMappingStep, type CsvMapping } from "./CsvMappingStep";
import { ImportReportView } from "./ImportReportView";
import { formatBytes } from "./upload";
import styles from "./import.module.css";

const FINAL = ["succeeded", "failed", "cancelled"];

export const STATUS_LABEL: Record<ImportView["status"], { label: string; tone: "neutral" | "ok" | "warn" | "danger" | "info" }> = {
  uploading: { label: "Uploading", tone: "info" },
  importing: { label: "Processing", tone: "info" },
  needs_review: { label: "Needs review", tone: "warn" },
  succeeded: { label: "Imported", tone: "ok" },
  failed: { label: "Failed", tone: "danger" },
  cancelled: { label: "Cancelled", tone: "neutral" },
};

/** One import from upload to the end: processing progress, the report, and the review decisions. */
export function ImportStatusCard({ datasetId, importId, onClose }: { datasetId: string; importId: string; onClose: () => void }) {
  const queryClient = useQueryClient();
  const router = useRouter();
  const url = `/api/datasets/${encodeURIComponent(datasetId)}/imports/${encodeURIComponent(importId)}`;
  const { data, error } = useQuery({
    queryKey: [...datasetKeys.imports(datasetId), importId],
    queryFn: ({ signal }) => apiFetch<{ import: ImportView }>(url, { signal }),
    // Poll while the worker has it; stop once it waits for the user or has ended.
    refetchInterval: (q) => (q.state.data && (FINAL.includes(q.state.data.import.status) || q.state.data.import.status === "needs_review") ? false : 500),
  });
  const imp = data?.import;

  // When the import lands, every panel of the dataset (table, stats, versions) refreshes.
  const refreshed = useRef(false);
  useEffect(() => {
    if (imp?.status === "succeeded" && !refreshed.current) {
      refreshed.current = true;
      void queryClient.invalidateQueries({ queryKey: datasetKeys.all(datasetId) });
      // The page header's counts are rendered on the server.
      router.refresh();
    }
    if (imp && imp.status !== "succeeded") refreshed.current = false;
  }, [imp, datasetId, queryClient, router]);

  const act = useMutation({
    mutationFn: (action: { kind: "confirm"; skipInvalid?: boolean; csvMapping?: CsvMapping } | { kind: "cancel" }) =>
      apiFetch<{ import: ImportView }>(`${url}/${action.kind}`, {
        method: "POST",
        body: action.kind === "confirm" ? { ...(action.skipInvalid !== undefined ? { skipInvalid: action.skipInvalid } : {}), ...(action.csvMapping ? { csvMapping: action.csvMapping } : {}) } : {},
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: datasetKeys.imports(datasetId) });
    },
  });

  if (error) return <Notice tone="danger" title="Could not load the import">{messageOf(error)}</Notice>;
  if (!imp) return <p className="muted" aria-busy="true">Loading import…</p>;

  const status = STATUS_LABEL[imp.status];
  const report = imp.report;
  const csvStep = imp.status === "needs_review" && report?.csv && !imp.options.csvMapping;
  const processing = imp.status === "importing" || imp.status === "uploading";
  const percent = imp.bytes > 0 ? Math.min(100, Math.round((imp.bytesRead / imp.bytes) * 100)) : 0;

  return (
    <Card
      title={
        <span className="row" style={{ gap: "0.6rem" }}>
          <span>{imp.fileName}</span>
          <Badge tone={status.tone}>{status.label}</Badge>
        </span>
      }
      description={`${formatBytes(imp.bytes)}${imp.format ? ` · ${imp.format}` : ""}${imp.options.split === "validation" ? " · validation split" : " · training split"}`}
      actions={FINAL.includes(imp.status) ? <Button size="sm" variant="ghost" onClick={onClose}>Close</Button> : null}
    >
      <div className="stack">
        {processing ? (
          <div className={styles.progressBlock}>
            <div className={styles.progressLabel}>
              <span>{report?.phase ? `Checking and writing lines… ${formatInt(imp.lines)} read` : "Waiting for a worker to start…"}</span>
              <span>{percent}%</span>
            </div>
            <progress className={styles.bar} max={100} value={percent} aria-label="Processing progress" />
            {!report?.phase ? <p className="muted">If this does not move, check that the workers are running (they start with <code>npm start</code>).</p> : null}
            <div className={styles.actions}>
              <Button size="sm" disabled={act.isPending} onClick={() => act.mutate({ kind: "cancel" })}>
                Cancel import
              </Button>
            </div>
          </div>
        ) : null}

        {csvStep && report?.csv ? (
          <CsvMappingStep
            csv={report.csv}
            busy={act.isPending}
            onConfirm={(csvMapping, skipInvalid) => act.mutate({ kind: "confirm", csvMapping, skipInvalid })}
            onCancel={() => act.mutate({ kind: "cancel" })}
          />
        ) : null}

        {imp.status === "needs_review" && !csvStep && report ? (
          <>
            <Notice tone="warn" title={`${plural(report.invalidLines, "line")} of ${imp.fileName} cannot be imported`}>
              Nothing has been added yet. Fix the file and upload it again, or import the {plural(report.validLines, "valid line")} and skip the rest.
            </Notice>
            <ImportReportView report={report} />
            <div className={styles.actions}>
              <Button variant="primary" disabled={act.isPending} onClick={() => act.mutate({ kind: "confirm", skipInvalid: true })}>
                Import {formatInt(report.validLines)} valid lines
              </Button>
              <Button disabled={act.isPending} onClick={() => act.mutate({ kind: "cancel" })}>
                Cancel import
              </Button>
            </div>
          </>
        ) : null}

        {imp.status === "succeeded" ? (
          <>
            <Notice tone="ok" title={`Imported ${plural(imp.imported, "example")}`}>
              {imp.skipped > 0 ? `${plural(imp.skipped, "line")} with errors ${imp.skipped === 1 ? "was" : "were"} skipped. ` : ""}
              Token counts and duplicate checks run in the background and appear in the table shortly.
            </Notice>
            <div className={styles.actions}>
              <ButtonLink variant="primary" href={`/datasets/${encodeURIComponent(datasetId)}?tab=examples`}>
                View examples
              </ButtonLink>
            </div>
            {report ? <ImportReportView report={report} /> : null}
          </>
        ) : null}

        {imp.status === "failed" ? (
          <>
            <Notice tone="danger" title="Import failed; nothing was added">
              {imp.error}
            </Notice>
            {report && report.errors.length > 0 ? <ImportReportView report={report} /> : null}
          </>
        ) : null}

        {imp.status === "cancelled" ? <Notice tone="info">Import cancelled; nothing was added and the uploaded file was deleted.</Notice> : null}
        {act.error ? <Notice tone="danger">{messageOf(act.error)}</Notice> : null}
      </div>
    </Card>
  );
}
