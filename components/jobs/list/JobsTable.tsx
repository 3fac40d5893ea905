"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { BreakableId } from "@/components/ui/BreakableId";
import { Button } from "@/components/ui/Button";
import { DateTime } from "@/components/ui/DateTime";
import { rangeText } from "@/components/ui/ListPager";
import { StatusBadge } from "@/components/ui/StatusBadge";
import { Table } from "@/components/ui/Table";
import { DeleteJobsButton } from "../DeleteJobsButton";
import { formatInt, formatUsd } from "@/components/ui/format";
import { formatDuration } from "@/lib/jobs/monitor/progress";
import { jobDisplayName, shownJobStatus, type JobSummary } from "@/lib/jobs/types";
import styles from "./list.module.css";

// The jobs table with row selection for Compare. Durations of running jobs are counted to the server's
// render time (the list is a snapshot; the job page is the live view).

function duration(j: JobSummary, renderedAt: number): string {
  if (!j.startedAt) return "—";
  const end = j.finishedAt ? Date.parse(j.finishedAt) : renderedAt;
  return formatDuration(Math.max(0, end - Date.parse(j.startedAt)));
}

function cost(j: JobSummary) {
  if (j.actualUsd !== null) return <span title="actual">{formatUsd(j.actualUsd)}</span>;
  if (j.estimatedUsd !== null) return <span title="estimated" className="muted">≈ {formatUsd(j.estimatedUsd)}</span>;
  return <span className="muted">—</span>;
}

function progress(j: JobSummary) {
  if (!j.progress) return <span className="muted">—</span>;
  const { step, totalSteps } = j.progress;
  const pct = totalSteps ? Math.min(100, (step / totalSteps) * 100) : null;
  return (
    <span className={styles.progress}>
      {pct !== null ? (
        <span className={styles.bar} aria-hidden="true">
          <span className={styles.fill} style={{ width: `${pct}%`, display: "block" }} />
        </span>
      ) : null}
      <span className="num">{totalSteps ? `${formatInt(step)}/${formatInt(totalSteps)}` : formatInt(step)}</span>
    </span>
  );
}

/** Which jobs of how many the table shows: "201–400 of 1,234 jobs" when the list has more than one page. */
function countText(shown: number, range?: { first: number; total: number }): string {
  const total = range?.total ?? shown;
  return rangeText(range?.first ?? 1, shown, total, total === 1 ? "job" : "jobs");
}

type Props = { jobs: JobSummary[]; renderedAt: number; range?: { first: number; total: number } };

export function JobsTable({ jobs, renderedAt, range }: Props) {
  const router = useRouter();
  const [selected, setSelected] = useState<string[]>([]);
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  return (
    <div className="stack">
      <div className={styles.toolbar}>
        <span className="muted">
          {countText(jobs.length, range)}
          {selected.length ? ` · ${selected.length} selected` : " · select two or more to compare them, or some to delete"}
        </span>
        <div className="row">
          <Button variant="secondary" disabled={selected.length < 2} onClick={() => router.push(`/jobs/compare?ids=${selected.map(encodeURIComponent).join(",")}`)}>
            Compare {selected.length >= 2 ? `(${selected.length})` : ""}
          </Button>
          {/* Deleting is for finished jobs; the server says which of the selection it refused and why. */}
          <DeleteJobsButton
            jobs={jobs.filter((j) => selected.includes(j.id)).map((j) => ({ id: j.id, name: jobDisplayName(j), fineTunedModel: j.fineTunedModel }))}
            after="refresh"
            label={selected.length ? `Delete (${selected.length})` : "Delete"}
            onDeleted={(ids) => setSelected((s) => s.filter((id) => !ids.includes(id)))}
          />
        </div>
      </div>
      <Table caption="Fine-tuning jobs" className={styles.jobs}>
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">Select</span>
            </th>
            <th scope="col">Status</th>
            <th scope="col">Provider</th>
            <th scope="col">Base model</th>
            <th scope="col">Dataset</th>
            <th scope="col" className="num">Cost</th>
            <th scope="col">Created</th>
            <th scope="col" className="num">Duration</th>
            <th scope="col">Progress</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.id} className={selected.includes(j.id) ? styles.selected : undefined} data-job-id={j.id}>
              <td>
                <input type="checkbox" checked={selected.includes(j.id)} onChange={() => toggle(j.id)} aria-label={`Select job ${j.fineTunedModel ?? j.baseModel}`} />
              </td>
              <td>
                <StatusBadge status={shownJobStatus(j)} />
              </td>
              <td>{j.provider === "openai" ? "OpenAI" : "Local"}</td>
              <td className="nowrap">
                <Link href={`/jobs/${encodeURIComponent(j.id)}`} className="mono">
                  {j.baseModel}
                </Link>
                {j.fineTunedModel ? (
                  <div className={`muted mono ${styles.fineTunedName}`}>
                    <BreakableId id={j.fineTunedModel} />
                  </div>
                ) : j.suffix ? (
                  <div className="muted">{j.suffix}</div>
                ) : null}
                {j.note ? (
                  <div className={styles.note} title={j.note} data-testid="job-list-note">
                    {j.note}
                  </div>
                ) : null}
              </td>
              <td>{j.dataset ? `${j.dataset.datasetName} v${j.dataset.versionNumber}` : <span className="muted">—</span>}</td>
              <td className="num">{cost(j)}</td>
              <td>
                <DateTime iso={j.createdAt} compact />
              </td>
              <td className="num nowrap">{duration(j, renderedAt)}</td>
              <td>{progress(j)}</td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}
