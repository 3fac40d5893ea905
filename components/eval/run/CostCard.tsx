import { Card } from "@/components/ui/Card";
import { Table } from "@/components/ui/Table";
import { formatInt, formatUsd } from "@/components/ui/format";
import styles from "../eval.module.css";
import type { EvalSummary, SideTotals } from "@/lib/eval/types";

// What each model cost to run on this data and how fast it answered: a win that costs three times as much, or
// doubles the latency, is a trade-off the reader should see next to the quality figures.

const ms = (v: number | null) => (v === null ? "—" : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);

const ROWS: { label: string; value: (s: SideTotals) => string }[] = [
  { label: "Latency p50", value: (s) => ms(s.latencyMsP50) },
  { label: "Latency p95", value: (s) => ms(s.latencyMsP95) },
  { label: "Prompt tokens", value: (s) => formatInt(s.promptTokens) },
  { label: "Completion tokens", value: (s) => formatInt(s.completionTokens) },
  { label: "Cost", value: (s) => (s.costUsd === null ? "unknown price" : formatUsd(s.costUsd)) },
  { label: "Failed rows", value: (s) => formatInt(s.errors) },
];

export function CostCard({ summary }: { summary: EvalSummary }) {
  return (
    <Card title="Cost and latency" level={3} description={`Over ${formatInt(summary.n)} rows; ${formatInt(summary.scored)} had both outputs.`}>
      <Table caption="Cost and latency per model">
        <thead>
          <tr>
            <th scope="col">Figure</th>
            <th scope="col" className="num">Baseline</th>
            <th scope="col" className="num">Candidate</th>
          </tr>
        </thead>
        <tbody>
          {ROWS.map((r) => (
            <tr key={r.label}>
              <th scope="row" className={styles.rowHeader}>{r.label}</th>
              <td className="num">{r.value(summary.baseline)}</td>
              <td className="num">{r.value(summary.candidate)}</td>
            </tr>
          ))}
        </tbody>
      </Table>
    </Card>
  );
}
