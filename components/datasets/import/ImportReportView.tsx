import type { ImportReport } from "@/lib/datasets/import/types";
import { Badge } from "../../ui/Badge";
import { Table } from "../../ui/Table";
import { formatInt } from "../../ui/format";
import styles from "./import.module.css";

function Stat({ label, value, tone }: { label: string; value: number; tone?: "danger" | "warn" }) {
  const cls = tone === "danger" ? `${styles.stat} ${styles.statDanger}` : tone === "warn" ? `${styles.stat} ${styles.statWarn}` : styles.stat;
  return (
    <div className={cls}>
      <div className={styles.statValue}>{formatInt(value)}</div>
      <div className={styles.statLabel}>{label}</div>
    </div>
  );
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((n, c) => n + c, 0);

/** What the check of a file found: counts, findings per code, and the first findings with their line. */
export function ImportReportView({ report }: { report: ImportReport }) {
  const warnings = sum(report.warningCounts);
  return (
    <div className="stack">
      <div className={styles.summary}>
        <Stat label="lines read" value={report.lines} />
        <Stat label="valid examples" value={report.validLines} />
        <Stat label="lines with errors" value={report.invalidLines} tone={report.invalidLines ? "danger" : undefined} />
        <Stat label="warnings" value={warnings} tone={warnings ? "warn" : undefined} />
      </div>
      {report.errors.length > 0 ? (
        <section className="stack" aria-label="Errors">
          <div className={styles.codes}>
            {Object.entries(report.errorCounts).map(([code, n]) => (
              <Badge key={code} tone="danger">
                {code} × {formatInt(n)}
              </Badge>
            ))}
          </div>
          <div className={styles.errors}>
            <Table caption="Lines with errors">
              <thead>
                <tr>
                  <th scope="col" className={styles.lineCell}>Line</th>
                  <th scope="col" className={styles.codeCell}>Code</th>
                  <th scope="col">What to fix</th>
                </tr>
              </thead>
              <tbody>
                {report.errors.map((e, i) => (
                  <tr key={`${e.line}-${e.code}-${i}`}>
                    <td className={styles.lineCell}>{e.line || "file"}</td>
                    <td className={styles.codeCell}>{e.code}</td>
                    <td>{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </div>
          {report.truncated ? <p className="muted">Only the first {formatInt(report.errors.length)} errors are listed; the counts above include all of them.</p> : null}
        </section>
      ) : null}
      {warnings > 0 ? (
        <details>
          <summary>
            {formatInt(warnings)} warning{warnings === 1 ? "" : "s"} (imported anyway; the table&apos;s issue filter finds them)
          </summary>
          <div className={styles.codes} style={{ margin: "0.5rem 0" }}>
            {Object.entries(report.warningCounts).map(([code, n]) => (
              <Badge key={code} tone="warn">
                {code} × {formatInt(n)}
              </Badge>
            ))}
          </div>
          <ul>
            {report.warnings.slice(0, 50).map((w, i) => (
              <li key={`${w.line}-${w.code}-${i}`}>
                {w.line ? `Line ${w.line}` : "File"} · <code>{w.code}</code> · {w.message}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
