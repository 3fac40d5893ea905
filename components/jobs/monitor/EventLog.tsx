"use client";

import { useMemo, useState } from "react";
import { DateTime } from "@/components/ui/DateTime";
import type { JobEventView } from "@/lib/jobs/types";
import styles from "./monitor.module.css";

// The provider's and tuneforge's events, newest first, filterable by level. Metrics events are already
// the charts, so they are left out unless asked for.

const SHOWN = 500;

export function EventLog({ events }: { events: readonly JobEventView[] }) {
  const [level, setLevel] = useState("all");
  const levels = useMemo(() => [...new Set(events.map((e) => e.level))].sort(), [events]);
  const shown = useMemo(() => {
    const out: JobEventView[] = [];
    for (let i = events.length - 1; i >= 0 && out.length < SHOWN; i--) {
      const e = events[i]!;
      if (level === "all" || e.level === level) out.push(e);
    }
    return out;
  }, [events, level]);
  return (
    <div className="stack">
      <label className={styles.controls}>
        Level
        <select className="input" value={level} onChange={(e) => setLevel(e.target.value)} aria-label="Filter events by level" style={{ width: "auto" }}>
          <option value="all">all ({events.length})</option>
          {levels.map((l) => (
            <option key={l} value={l}>
              {l} ({events.filter((e) => e.level === l).length})
            </option>
          ))}
        </select>
      </label>
      {shown.length === 0 ? (
        <p className="muted">No events{level === "all" ? " yet" : ` at level ${level}`}.</p>
      ) : (
        <ul className={styles.eventLog} aria-label="Job events, newest first">
          {shown.map((e) => (
            <li key={e.id} data-level={e.level}>
              <DateTime iso={e.at} />
              <span className={`${styles.level} ${e.level === "error" ? styles.levelError : e.level === "warn" || e.level === "warning" ? styles.levelWarn : ""}`}>{e.level}</span>
              <span>{e.message}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
