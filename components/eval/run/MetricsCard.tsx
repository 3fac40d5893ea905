"use client";

import { Bar, BarChart, CartesianGrid, Cell, ErrorBar, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Card } from "@/components/ui/Card";
import { Table } from "@/components/ui/Table";
import { QUALITY_METRICS, type EvalSummary, type MetricSummary, type QualityMetric } from "@/lib/eval/types";
import { axisTick, tooltipStyle } from "@/components/jobs/monitor/chart-style";
import styles from "../eval.module.css";
import { METRIC_LABELS, percent, signedPoints } from "./words";

// Metric deltas (candidate − baseline) with their paired bootstrap 95 % intervals: a bar per metric with its
// interval as an error bar, and the same figures in a table. A delta whose interval crosses zero is not a change.

type Row = { metric: QualityMetric; label: string; m: MetricSummary };

export function metricRows(metrics: EvalSummary["metrics"]): Row[] {
  return QUALITY_METRICS.flatMap((metric) => {
    const m = metrics[metric];
    return m ? [{ metric, label: METRIC_LABELS[metric], m }] : [];
  });
}

export const deltaTone = (m: Pick<MetricSummary, "ci">) => (m.ci[0] > 0 ? "better" : m.ci[1] < 0 ? "worse" : "no clear change");

export function MetricsCard({ summary }: { summary: EvalSummary }) {
  const rows = metricRows(summary.metrics);
  const data = rows.map((r) => ({ label: r.label, delta: r.m.delta * 100, err: [(r.m.delta - r.m.ci[0]) * 100, (r.m.ci[1] - r.m.delta) * 100], tone: deltaTone(r.m) }));
  const described = rows.map((r) => `${r.label} ${signedPoints(r.m.delta)} (${deltaTone(r.m)})`).join("; ");
  return (
    <Card title="Metric deltas" level={3} description="Candidate − baseline in percentage points, with 95 % paired bootstrap intervals.">
      {rows.length === 0 ? (
        <p className="muted">No scored rows yet.</p>
      ) : (
        <>
          <div className={styles.chartBox} role="img" aria-label={`Metric deltas: ${described}`} data-testid="metric-delta-chart">
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
                <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" vertical={false} />
                <XAxis dataKey="label" tick={axisTick} tickLine={false} interval={0} />
                <YAxis tick={axisTick} tickLine={false} axisLine={false} width={44} tickFormatter={(v: number) => `${v > 0 ? "+" : ""}${v.toFixed(0)}`} />
                <ReferenceLine y={0} stroke="var(--border-strong)" />
                <Tooltip isAnimationActive={false} contentStyle={tooltipStyle} formatter={(v) => [`${Number(v) >= 0 ? "+" : ""}${Number(v).toFixed(1)} pts`, "delta"]} />
                {/* minPointSize: recharts drops a bar of height 0 and its error bar with it, so a delta of exactly 0 lost its
                    interval (Valid JSON +0.0 pts, −12.8 … +12.8 drew as certainty); 1 px keeps it, on the zero line. */}
                <Bar dataKey="delta" isAnimationActive={false} maxBarSize={48} minPointSize={1}>
                  {data.map((d) => (
                    <Cell key={d.label} fill={d.tone === "better" ? "var(--ok)" : d.tone === "worse" ? "var(--danger)" : "var(--border-strong)"} />
                  ))}
                  <ErrorBar dataKey="err" width={6} stroke="var(--text)" strokeWidth={1.2} isAnimationActive={false} />
                </Bar>
              </BarChart>
            </ResponsiveContainer>
          </div>
          <Table caption="Metric deltas">
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col" className="num">Baseline</th>
                <th scope="col" className="num">Candidate</th>
                <th scope="col" className="num">Delta</th>
                <th scope="col" className="num">95 % CI</th>
                <th scope="col">Reading</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ metric, label, m }) => (
                <tr key={metric} data-testid={`metric-${metric}`}>
                  <th scope="row" className={styles.rowHeader}>{label}</th>
                  <td className="num">{percent(m.baseline)}</td>
                  <td className="num">{percent(m.candidate)}</td>
                  <td className={`num ${deltaTone(m) === "better" ? styles.pos : deltaTone(m) === "worse" ? styles.neg : ""}`}>{signedPoints(m.delta)}</td>
                  <td className="num">
                    {signedPoints(m.ci[0])} … {signedPoints(m.ci[1])}
                  </td>
                  <td>{deltaTone(m)}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      )}
    </Card>
  );
}
