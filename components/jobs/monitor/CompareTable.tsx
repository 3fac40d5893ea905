"use client";

import Link from "next/link";
import { Fragment, useState } from "react";
import { Card } from "@/components/ui/Card";
import { StatusBadge } from "@/components/ui/StatusBadge";
import { Table } from "@/components/ui/Table";
import { COMPARE_GROUPS, type CompareRow } from "@/lib/jobs/compare/types";
import type { JobStatusName } from "@/lib/jobs/types";
import { compareColor } from "./compare-colors";
import styles from "./monitor.module.css";

// The compared jobs side by side: every setting (the rows that differ marked, or only those) and what each came
// to, the lowest loss of a row marked. Rows come from lib/jobs/compare, computed on the server.

export type CompareTableJob = { id: string; name: string; status: JobStatusName };

export function CompareTable({ jobs, rows }: { jobs: CompareTableJob[]; rows: CompareRow[] }) {
  const [onlyDiffering, setOnlyDiffering] = useState(false);
  const differing = rows.filter((r) => r.group !== "Results" && r.differs).length;
  // Results are always shown: they are what the settings are compared for.
  const shown = rows.filter((r) => !onlyDiffering || r.differs || r.group === "Results");
  return (
    <Card
      title="Settings and results"
      description={differing === 0 ? "The jobs were launched with the same settings." : `${differing} setting${differing === 1 ? "" : "s"} differ${differing === 1 ? "s" : ""} between these jobs (marked ●).`}
      actions={
        <label className="row">
          <input type="checkbox" checked={onlyDiffering} onChange={(e) => setOnlyDiffering(e.target.checked)} disabled={differing === 0} /> Only settings that differ
        </label>
      }
    >
      <div data-testid="compare-table">
        <Table caption="Settings and results of the compared jobs" className={styles.compareTable}>
          <thead>
            <tr>
              <th scope="col">Setting</th>
              {jobs.map((j, i) => (
                <th key={j.id} scope="col">
                  <span aria-hidden="true" style={{ color: compareColor(i) }}>
                    ■{" "}
                  </span>
                  <Link href={`/jobs/${encodeURIComponent(j.id)}`} className="mono">
                    {j.name}
                  </Link>{" "}
                  <StatusBadge status={j.status} />
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {COMPARE_GROUPS.map((group) => {
              const inGroup = shown.filter((r) => r.group === group);
              if (inGroup.length === 0) return null;
              return (
                <Fragment key={group}>
                  <tr className={styles.compareGroup}>
                    <th scope="colgroup" colSpan={jobs.length + 1}>
                      {group}
                    </th>
                  </tr>
                  {inGroup.map((r) => (
                    <tr key={r.key} data-row={r.key} data-differs={r.differs} className={r.differs && r.group !== "Results" ? styles.compareDiffers : undefined}>
                      <th scope="row">
                        {r.differs && r.group !== "Results" ? <span aria-label="differs">● </span> : null}
                        {r.label}
                      </th>
                      {r.cells.map((c, i) => (
                        <td key={jobs[i]!.id} className={r.best === i ? styles.compareBest : undefined} data-best={r.best === i || undefined}>
                          {c ?? <span className="muted">—</span>}
                          {r.best === i ? <span className={styles.compareBestTag}> {r.bestLabel ?? "lowest"}</span> : null}
                        </td>
                      ))}
                    </tr>
                  ))}
                </Fragment>
              );
            })}
          </tbody>
        </Table>
      </div>
    </Card>
  );
}
