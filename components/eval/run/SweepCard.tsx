"use client";

import Link from "next/link";
import { useMemo, useState } from "react";
import { CartesianGrid, Line, LineChart, ReferenceDot, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { axisTick, tooltipStyle } from "@/components/jobs/monitor/chart-style";
import { Card } from "@/components/ui/Card";
import { QUALITY_METRICS, type EvalRunView, type QualityMetric } from "@/lib/eval/types";
import { useSweepRuns } from "../api";
import styles from "../eval.module.css";
import { METRIC_LABELS, percent } from "./words";

// "Evaluate every checkpoint": one run per kept checkpoint (plus the final adapter). The candidate's score per
// step shows where training peaked; the best checkpoint is marked, since the last one is not always the best.

type Point = { step: number; value: number; id: string };

export function sweepPoints(runs: readonly EvalRunView[], metric: QualityMetric | "winRate"): { points: Point[]; final: Point | null } {
  const value = (r: EvalRunView) => (metric === "winRate" ? (r.summary?.winRate?.candidate ?? null) : (r.summary?.metrics[metric]?.candidate ?? null));
  const points: Point[] = [];
  let final: Point | null = null;
  for (const r of runs) {
    const v = value(r);
    if (v === null) continue;
    if (r.checkpointStep === null) final = { step: NaN, value: v, id: r.id };
    else points.push({ step: r.checkpointStep, value: v, id: r.id });
  }
  return { points: points.sort((a, b) => a.step - b.step), final };
}

export function SweepCard({ run }: { run: EvalRunView }) {
  const live = run.status === "queued" || run.status === "running";
  const { data: runs } = useSweepRuns(run.sweepId, live);
  const [metric, setMetric] = useState<QualityMetric | "winRate">(run.judgeSpec ? "winRate" : "exactMatch");
  const { points, final } = useMemo(() => sweepPoints(runs ?? [], metric), [runs, metric]);
  const best = points.reduce<Point | null>((b, p) => (!b || p.value > b.value ? p : b), null);
  const label = metric === "winRate" ? "Win rate" : METRIC_LABELS[metric];
  return (
    <Card
      title="Checkpoint sweep"
      level={3}
      className={styles.wide}
      description={`${runs?.length ?? "…"} runs of this job's checkpoints against the same baseline.`}
      actions={
        <label className="row">
          <span className="muted">Metric</span>
          <select className="input" value={metric} onChange={(e) => setMetric(e.target.value as QualityMetric | "winRate")}>
            <option value="winRate">Win rate</option>
            {QUALITY_METRICS.map((m) => (
              <option key={m} value={m}>
                {METRIC_LABELS[m]}
              </option>
            ))}
          </select>
        </label>
      }
    >
      {points.length === 0 ? (
        <p className="muted">No finished checkpoint runs yet.</p>
      ) : (
        <>
          <div className={styles.chartBox} role="img" aria-label={`${label} by checkpoint step${best ? `; best at step ${best.step} (${percent(best.value)})` : ""}`} data-testid="sweep-chart">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={points} margin={{ top: 16, right: 16, bottom: 4, left: 0 }}>
                <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" />
                <XAxis dataKey="step" type="number" domain={["dataMin", "dataMax"]} allowDecimals={false} tick={axisTick} tickLine={false} />
                <YAxis domain={[0, 1]} tick={axisTick} tickLine={false} axisLine={false} width={56} tickFormatter={(v: number) => `${Math.round(v * 100)} %`} />
                <Tooltip isAnimationActive={false} contentStyle={tooltipStyle} labelFormatter={(s) => `step ${s}`} formatter={(v) => [percent(Number(v)), label]} />
                <Line dataKey="value" stroke="var(--accent)" strokeWidth={1.8} isAnimationActive={false} />
                {final ? <ReferenceLine y={final.value} stroke="var(--text-muted)" strokeDasharray="4 4" label={{ value: "the job's adapter", position: "insideTopRight", fontSize: 10, fill: "var(--text-muted)" }} /> : null}
                {best ? <ReferenceDot x={best.step} y={best.value} r={6} fill="var(--ok)" stroke="var(--surface)" label={{ value: "best", position: "top", fontSize: 11, fill: "var(--ok)" }} /> : null}
              </LineChart>
            </ResponsiveContainer>
          </div>
          {best ? (
            <p className={styles.legend} data-testid="sweep-best">
              Best: step {best.step} with {label.toLowerCase()} {percent(best.value)} — <Link href={`/evaluations/${best.id}`}>open that run</Link>.
            </p>
          ) : null}
        </>
      )}
    </Card>
  );
}
