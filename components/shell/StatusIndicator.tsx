"use client";

import { useQuery } from "@tanstack/react-query";
import { Fragment } from "react";
import { DateTime } from "../ui/DateTime";
import { fetchHealth, healthTone, nativeLines, type HealthReport, type ServiceCheck } from "./health";

const POLL_MS = 5_000;

function ServiceMark({ name, check }: { name: string; check: ServiceCheck }) {
  return check.ok ? (
    <span className="status-item-ok">{name} ✓</span>
  ) : (
    <span className="status-item-bad">{name} ✗</span>
  );
}

function WorkersMark({ online }: { online: number }) {
  if (online === 0) return <span className="status-item-warn">No workers online</span>;
  return <span className="status-item-ok">{online === 1 ? "1 worker online" : `${online} workers online`}</span>;
}

function serviceText(check: ServiceCheck): string {
  return check.ok ? `OK · ${Math.round(check.latencyMs)} ms` : `Down${check.error ? ` — ${check.error}` : ""}`;
}

function Details({ health }: { health: HealthReport }) {
  return (
    <>
      <h2>System status</h2>
      <dl>
        <dt>Database</dt>
        <dd className={health.database.ok ? undefined : "status-item-bad"}>{serviceText(health.database)}</dd>
        <dt>Redis</dt>
        <dd className={health.redis.ok ? undefined : "status-item-bad"}>{serviceText(health.redis)}</dd>
        {nativeLines(health.native).map((line) => (
          <Fragment key={line.label}>
            <dt>{line.label}</dt>
            <dd className={line.tone === "bad" ? "status-item-bad" : undefined}>
              {line.text}
              {line.detail ? <div className={line.tone === "warn" ? "status-item-warn" : "muted"}>{line.detail}</div> : null}
            </dd>
          </Fragment>
        ))}
      </dl>

      <h3>Workers</h3>
      {health.workers.workers.length === 0 ? (
        <p className="muted">
          No worker process has sent a heartbeat. Jobs stay queued until one runs — <code>npm start</code> starts the
          web server and the workers together.
        </p>
      ) : (
        <ul>
          {health.workers.workers.map((w) => (
            <li key={w.id}>
              <strong>{w.hostname}</strong> <span className="muted">pid {w.pid}</span> — {w.queues.join(", ") || "no queues"}
              <div className="muted">
                last seen <DateTime iso={w.lastSeenAt} />
              </div>
            </li>
          ))}
        </ul>
      )}

      <h3>Queues</h3>
      {health.queues.length === 0 ? (
        <p className="muted">{health.redis.ok ? "No queues reported." : "Unavailable while Redis is down."}</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Queue counts</caption>
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col" className="num">Waiting</th>
              <th scope="col" className="num">Active</th>
              <th scope="col" className="num">Failed</th>
              <th scope="col" className="num">Consumers</th>
            </tr>
          </thead>
          <tbody>
            {health.queues.map((q) => (
              <tr key={q.name}>
                <td className="mono nowrap">{q.name}</td>
                <td className="num">{q.waiting}</td>
                <td className="num">{q.active}</td>
                <td className="num">{q.failed}</td>
                <td className="num">{q.consumers}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted" style={{ marginTop: "0.75rem", marginBottom: 0 }}>
        Checked <DateTime iso={health.checkedAt} /> · refreshes every {POLL_MS / 1000} s
      </p>
    </>
  );
}

/** Top-bar summary of /api/health, polled every few seconds; the popover holds the details. */
export function StatusIndicator() {
  const { data, error, isPending } = useQuery({
    queryKey: ["health"],
    queryFn: ({ signal }) => fetchHealth(signal),
    refetchInterval: POLL_MS,
    refetchIntervalInBackground: false,
    retry: false,
  });

  const tone = data ? healthTone(data) : error ? "danger" : "neutral";
  let summary;
  if (data) {
    summary = (
      <>
        <ServiceMark name="Database" check={data.database} />
        <span className="status-sep" aria-hidden="true">·</span>
        <ServiceMark name="Redis" check={data.redis} />
        <span className="status-sep" aria-hidden="true">·</span>
        <WorkersMark online={data.workers.online} />
      </>
    );
  } else if (error && !isPending) {
    summary = <span className="status-item-bad">Status unavailable</span>;
  } else {
    summary = <span className="muted">Checking status…</span>;
  }

  return (
    <>
      <button
        type="button"
        className={`status-button tone-${tone}`}
        popoverTarget="system-status"
        data-testid="status-indicator"
      >
        <span className="status-dot" aria-hidden="true" />
        <span aria-live="polite" className="row" style={{ gap: "0.4rem" }}>
          {summary}
        </span>
        <span className="visually-hidden">— show details</span>
      </button>
      <div id="system-status" popover="auto" className="status-popover" role="dialog" aria-label="System status">
        {data ? (
          <Details health={data} />
        ) : (
          <p style={{ margin: 0 }}>{error ? error.message : "Checking the server…"}</p>
        )}
      </div>
    </>
  );
}
