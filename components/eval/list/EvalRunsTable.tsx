import Link from "next/link";
import { BreakableId } from "@/components/ui/BreakableId";
import { DateTime } from "@/components/ui/DateTime";
import { StatusBadge } from "@/components/ui/StatusBadge";
import { Table } from "@/components/ui/Table";
import { formatInt } from "@/components/ui/format";
import type { EvalRunView } from "@/lib/eval/types";
import { percent } from "../run/words";
import styles from "../eval.module.css";

// The evaluations list: one row per run, the head-to-head figure first-class (win rate with its interval).

function WinRate({ run }: { run: EvalRunView }) {
  const w = run.summary?.winRate;
  if (!w) return <span className="muted">{run.judgeSpec ? "—" : "no judge"}</span>;
  return (
    <>
      <strong>{percent(w.candidate, 0)}</strong>{" "}
      <span className="muted">
        ({percent(w.ci[0], 0)}–{percent(w.ci[1], 0)})
      </span>
    </>
  );
}

export function EvalRunsTable({ runs }: { runs: EvalRunView[] }) {
  return (
    <Table caption="Evaluations">
      <thead>
        <tr>
          <th scope="col">Status</th>
          <th scope="col">Name</th>
          <th scope="col">Candidate vs baseline</th>
          <th scope="col">Dataset</th>
          <th scope="col" className={`num ${styles.listWrappingHead}`}>
            Win rate <span className="nowrap">(95 % CI)</span>
          </th>
          <th scope="col" className="num">Rows</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} data-testid="eval-row">
            <td>
              <StatusBadge status={r.status} />
            </td>
            <td style={{ minWidth: "11rem" }}>
              <Link href={`/evaluations/${r.id}`}>{r.name || `Evaluation ${r.id.slice(-6)}`}</Link>
              {r.checkpointStep !== null ? <span className="muted"> · step {r.checkpointStep}</span> : null}
            </td>
            <td className={`mono ${styles.listSpecs}`} data-testid="eval-specs">
              <div>
                <BreakableId id={r.candidateSpec} />
              </div>
              <div>
                <span className="muted">vs</span> <BreakableId id={r.baselineSpec} />
              </div>
            </td>
            <td className={styles.listDataset}>
              {r.datasetName} v{r.versionNumber} <span className="muted">· {r.split}</span>
            </td>
            <td className="num">
              <WinRate run={r} />
            </td>
            <td className="num">{formatInt(r.progress.total)}</td>
            <td className="nowrap">
              <DateTime iso={r.createdAt} compact />
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
