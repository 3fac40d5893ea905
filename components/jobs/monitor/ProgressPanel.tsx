"use client";

import { useEffect, useState } from "react";
import { DateTime } from "@/components/ui/DateTime";
import { formatInt } from "@/components/ui/format";
import { formatDuration, progressFigures } from "@/lib/jobs/monitor/progress";
import { statusTimeline } from "@/lib/jobs/monitor/timeline";
import { isTerminalJobStatus, type JobView } from "@/lib/jobs/types";
import styles from "./monitor.module.css";
import { QueuePosition } from "./QueuePosition";

// Step/total, percentage, elapsed, ETA and the status timeline. Times that depend on "now" render after
// mount only (the server's clock and the browser's differ), and tick once a second.

function useNow(active: boolean): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

export function ProgressPanel({ job }: { job: JobView }) {
  const terminal = isTerminalJobStatus(job.status);
  const now = useNow(!terminal);
  const f = now === null ? null : progressFigures({ ...job, terminal, points: job.metrics }, now);
  const step = job.progress?.step ?? null;
  const total = job.progress?.totalSteps ?? null;
  const percent = step !== null && total ? Math.min(100, (step / total) * 100) : null;
  // A run early stopping ended is done, though short of its planned steps: the bar is full and the figure says why.
  const stoppedEarly = job.stoppedEarly && job.status === "succeeded";
  return (
    <div>
      <QueuePosition job={job} />
      <div className={styles.progressBar} role="progressbar" aria-label="Training progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent === null ? undefined : Math.round(percent)}>
        <div className={styles.progressFill} style={{ width: `${stoppedEarly ? 100 : (percent ?? (job.status === "succeeded" ? 100 : 0))}%` }} />
      </div>
      <dl className={styles.figures}>
        <div>
          <dt>Step</dt>
          <dd data-testid="progress-step">{step === null ? "—" : `${formatInt(step)}${total ? ` / ${formatInt(total)}` : ""}`}</dd>
        </div>
        <div>
          <dt>Done</dt>
          <dd data-testid="progress-done">{stoppedEarly ? `Stopped early${percent === null ? "" : ` (${percent.toFixed(1)} % of the planned steps)`}` : percent === null ? "—" : `${percent.toFixed(1)} %`}</dd>
        </div>
        <div>
          <dt>Elapsed</dt>
          <dd>{f?.elapsedMs != null ? formatDuration(f.elapsedMs) : "—"}</dd>
        </div>
        <div>
          <dt>{terminal ? "Finished" : "ETA"}</dt>
          <dd title={f?.etaSource === "provider" ? "OpenAI's estimate" : f?.etaSource === "step-rate" ? "From the recent step rate" : undefined}>
            {terminal ? <DateTime iso={job.finishedAt} /> : f?.etaMs != null ? `${formatDuration(f.etaMs)}${f.etaSource === "provider" ? "" : " (est.)"}` : "—"}
          </dd>
        </div>
        <div>
          <dt>Rate</dt>
          <dd>{f?.stepsPerSecond ? `${f.stepsPerSecond >= 1 ? f.stepsPerSecond.toFixed(1) : f.stepsPerSecond.toFixed(3)} step/s` : "—"}</dd>
        </div>
      </dl>
      <ol className={styles.timeline} aria-label="Status timeline">
        {statusTimeline(job, job.events).map((s) => (
          <li key={s.status} data-state={s.state}>
            {s.label}
            {s.at ? <DateTime iso={s.at} /> : <span className={styles.when}>{s.state === "skipped" ? "not needed" : s.state === "pending" ? "…" : "—"}</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}
