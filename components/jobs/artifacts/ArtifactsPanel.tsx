"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { JobArtifactsView, MergedExportView } from "@/lib/artifacts/view";
import { apiFetch, messageOf } from "../../api-client";
import { Badge } from "../../ui/Badge";
import { Button, ButtonLink } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { Notice } from "../../ui/Notice";
import { formatBytes } from "./format";
import styles from "./artifacts.module.css";

// The job page's Artifacts card: the PEFT adapter (size, sha256, Download), checkpoints (Download each),
// merged-model exports with their live status (polled while one is pending or running), and a link to chat
// with the adapter in the playground. Downloads are plain links: the browser streams the .tar.gz itself.

const STATUS_TONE = { pending: "neutral", running: "info", ready: "ok", failed: "danger" } as const;

function Download({ href, label }: { href: string; label: string }) {
  // A link, not a button: it goes somewhere (a file), and keyboard/middle-click work as usual.
  return (
    <a className="btn btn-secondary btn-sm" href={href} download aria-label={label}>
      Download
    </a>
  );
}

function MergedRow({ m }: { m: MergedExportView }) {
  return (
    <li className={styles.item} data-testid="merged-export" data-status={m.status}>
      <div className={styles.meta}>
        <span>
          Merged model <Badge tone={STATUS_TONE[m.status]}>{m.status === "running" ? "merging…" : m.status}</Badge>
        </span>
        {m.status === "ready" ? <span className="muted">{formatBytes(m.sizeBytes)} · bf16 safetensors + tokenizer</span> : null}
        {m.errorMessage ? <span className="field-error">{m.errorMessage}</span> : null}
      </div>
      {m.downloadUrl ? <Download href={m.downloadUrl} label="Download merged model" /> : null}
    </li>
  );
}

export function ArtifactsPanel({ jobId, status, provider }: { jobId: string; status: string; provider: string }) {
  const qc = useQueryClient();
  const key = ["job-artifacts", jobId, status];
  const { data, error, isPending } = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => apiFetch<JobArtifactsView>(`/api/jobs/${encodeURIComponent(jobId)}/artifacts`, { signal }),
    enabled: provider === "local",
    // Poll only while an export is in flight; the job's own status change refetches through the key.
    refetchInterval: (q) => (q.state.data?.merged.some((m) => m.status === "pending" || m.status === "running") ? 1000 : false),
  });
  const exportMerged = useMutation({
    mutationFn: () => apiFetch<MergedExportView>(`/api/jobs/${encodeURIComponent(jobId)}/artifacts/merged`, { method: "POST" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["job-artifacts", jobId] }),
  });

  if (provider !== "local") return null;
  if (isPending) return <Card title="Artifacts"><p className="muted" aria-busy="true">Reading the job's files…</p></Card>;
  if (error) return <Card title="Artifacts"><Notice tone="danger" title="Could not list the artifacts">{messageOf(error)}</Notice></Card>;

  const inFlight = data.merged.some((m) => m.status === "pending" || m.status === "running");
  const actions = data.playgroundUrl ? <ButtonLink href={data.playgroundUrl} size="sm">Open in playground</ButtonLink> : null;
  return (
    <Card title="Artifacts" description="PEFT adapter, checkpoints and merged-model exports, downloaded as .tar.gz." actions={actions} id="artifacts">
      <div className={styles.list} data-testid="artifacts-panel">
        {data.adapter ? (
          <div className={styles.item} data-testid="adapter-artifact">
            <div className={styles.meta}>
              <strong>Adapter</strong>
              <span className="muted">
                {formatBytes(data.adapter.sizeBytes)} · {data.adapter.files.length} files
              </span>
              {data.adapter.sha256 ? <span className={styles.hash} title="sha256 of adapter_model.safetensors">sha256 {data.adapter.sha256}</span> : null}
            </div>
            <div className={styles.actions}>
              <Download href={data.adapter.downloadUrl} label="Download adapter" />
              <Button size="sm" onClick={() => exportMerged.mutate()} disabled={inFlight || exportMerged.isPending || data.status !== "succeeded"}>
                {inFlight ? "Exporting…" : "Export merged model"}
              </Button>
            </div>
          </div>
        ) : (
          <p className="muted">{data.adapterNote}</p>
        )}
        {exportMerged.error ? <Notice tone="danger" title="Export refused">{messageOf(exportMerged.error)}</Notice> : null}
        {data.merged.length > 0 ? (
          <ul className={styles.list} aria-label="Merged-model exports">
            {data.merged.map((m) => (
              <MergedRow key={m.id} m={m} />
            ))}
          </ul>
        ) : null}
        {data.checkpoints.length > 0 ? (
          <>
            <h3 className={styles.sectionTitle}>Checkpoints</h3>
            <ul className={styles.list} aria-label="Checkpoints">
              {data.checkpoints.map((c) => (
                <li key={c.step} className={styles.item}>
                  <span>
                    Step {c.step} <span className="muted">· {formatBytes(c.sizeBytes)}</span>
                  </span>
                  <Download href={c.downloadUrl} label={`Download checkpoint ${c.step}`} />
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </div>
    </Card>
  );
}
