import { Card } from "@/components/ui/Card";
import { formatInt } from "@/components/ui/format";
import type { EvalRunView } from "@/lib/eval/types";
import styles from "../eval.module.css";

// Live progress while the worker generates and judges (moved by the run's progress stream).

export function ProgressCard({ run }: { run: EvalRunView }) {
  const p = run.progress;
  const rows: [string, number][] = [
    ["Baseline outputs", p.baseline],
    ["Candidate outputs", p.candidate],
    ...(run.judgeSpec ? ([["Judged", p.judged]] as [string, number][]) : []),
  ];
  const total = Math.max(1, p.total);
  const overall = rows.reduce((s, [, n]) => s + n, 0) / (rows.length * total);
  return (
    <Card title={run.status === "queued" ? "Waiting for a worker" : "Running"} level={3} description={p.errors ? `${formatInt(p.errors)} rows failed after retries so far.` : undefined}>
      <div className={styles.progressBar} role="progressbar" aria-label="Evaluation progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(overall * 100)} data-testid="eval-progress">
        <div className={styles.progressFill} style={{ width: `${overall * 100}%` }} />
      </div>
      <div className={styles.progressRows}>
        {rows.map(([label, n]) => (
          <div key={label} style={{ display: "contents" }}>
            <span>{label}</span>
            <div className={styles.progressBar} aria-hidden="true">
              <div className={styles.progressFill} style={{ width: `${(n / total) * 100}%` }} />
            </div>
            <span className="num">
              {formatInt(n)} / {formatInt(p.total)}
            </span>
          </div>
        ))}
      </div>
    </Card>
  );
}
