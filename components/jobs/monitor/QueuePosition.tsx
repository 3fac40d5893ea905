"use client";

import { useEffect, useState } from "react";
import { formatDuration } from "@/lib/jobs/monitor/progress";
import { isPreparingLocalJob, type JobView } from "@/lib/jobs/types";
import styles from "./monitor.module.css";

// A queued local job waits for a GPU worker; its place in line moves as jobs ahead finish, which no live
// message announces (nothing happens to this job), so the page asks again every few seconds while queued.
// Once a worker takes it, the job names that worker and stays "queued" while the model loads and the data is
// tokenized (seconds to minutes on a real model).

const REFRESH_MS = 3_000;

export function QueuePosition({ job }: { job: JobView }) {
  const [position, setPosition] = useState<number | null>(job.queuePosition);
  const [workerId, setWorkerId] = useState<string | null>(job.workerId);
  const waiting = job.provider === "local" && job.status === "queued";
  useEffect(() => setPosition(job.queuePosition), [job.queuePosition]);
  useEffect(() => setWorkerId(job.workerId), [job.workerId]);
  // The newest figures (polled) under the shared rule; how long the worker has been preparing comes from its event,
  // ticking each second (after mount: the server's clock and the browser's differ).
  const preparing = isPreparingLocalJob({ ...job, workerId, queuePosition: position });
  const preparingSince = preparing ? (job.events.findLast((e) => (e.data as { phase?: unknown } | null)?.phase === "preparing")?.at ?? null) : null;
  const [now, setNow] = useState<number | null>(null);
  const ticking = preparingSince !== null;
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [ticking]);
  useEffect(() => {
    if (!waiting) return;
    let stopped = false;
    const t = setInterval(async () => {
      try {
        const res = await fetch(`/api/jobs/${encodeURIComponent(job.id)}`, { cache: "no-store" });
        if (!res.ok || stopped) return;
        const latest = ((await res.json()) as { job: JobView }).job;
        setPosition(latest.queuePosition);
        setWorkerId(latest.workerId);
      } catch {
        // Offline for a moment: keep the last figure.
      }
    }, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(t);
    };
  }, [waiting, job.id]);
  if (!waiting) return null;
  return (
    <p className={styles.queueNote} data-testid="queue-position" role="status">
      {preparing
        ? `Preparing on ${workerId}${preparingSince && now !== null ? ` (${formatDuration(Math.max(0, now - Date.parse(preparingSince)))} so far)` : ""}: loading the model and tokenizing the data; training starts after that.`
        : position !== null
          ? `Queued: #${position} in line for a GPU worker.`
          : "Queued: waiting for a GPU worker to take it."}
    </p>
  );
}
