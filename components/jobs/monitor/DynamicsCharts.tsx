"use client";

import { useMemo } from "react";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatBytes } from "@/components/models/format";
import { dynamicsSeries, type DynamicsField } from "@/lib/jobs/monitor/dynamics";
import type { MetricPointView } from "@/lib/jobs/types";
import { axisTick, tooltipStyle } from "./chart-style";
import styles from "./monitor.module.css";

// Learning rate, gradient norm, throughput and memory per optimizer step: what a local run reports beside its
// loss, to tell a warmup or schedule mistake, exploding gradients, a slowdown or a memory creep at a glance.

const LABEL: Record<DynamicsField, string> = {
  learningRate: "Learning rate",
  gradNorm: "Gradient norm (before clipping)",
  tokensPerSecond: "Tokens / second",
  memoryBytes: "Memory",
};

const FORMAT: Record<DynamicsField, (v: number) => string> = {
  learningRate: (v) => v.toExponential(2),
  gradNorm: (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)),
  tokensPerSecond: (v) => Math.round(v).toLocaleString("en-US"),
  memoryBytes: formatBytes,
};

const COLOR: Record<DynamicsField, string> = { learningRate: "#2b8a3e", gradNorm: "#c2255c", tokensPerSecond: "#1971c2", memoryBytes: "#e67700" };

export function DynamicsCharts({ points }: { points: readonly MetricPointView[] }) {
  const series = useMemo(() => dynamicsSeries(points), [points]);
  if (series.length === 0) return null;
  return (
    <div className={styles.dynamicsGrid} data-testid="dynamics">
      {series.map((s) => (
        <figure key={s.field} className={styles.dynamicsFigure} data-testid={`dynamics-${s.field}`}>
          <figcaption className={styles.dynamicsCaption}>
            <span>{LABEL[s.field]}</span>
            <strong className="mono" data-testid={`dynamics-${s.field}-latest`}>
              {FORMAT[s.field](s.latest)}
            </strong>
          </figcaption>
          <div className={styles.dynamicsBox} role="img" aria-label={`${LABEL[s.field]}: ${FORMAT[s.field](s.latest)} at the latest step`}>
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={s.points} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" />
                <XAxis dataKey="step" type="number" domain={[0, "auto"]} allowDecimals={false} tick={axisTick} tickLine={false} />
                <YAxis type="number" domain={["auto", "auto"]} width={56} tick={axisTick} tickLine={false} axisLine={false} tickFormatter={FORMAT[s.field]} />
                <Tooltip isAnimationActive={false} contentStyle={tooltipStyle} labelFormatter={(step) => `step ${step}`} formatter={(v) => [FORMAT[s.field](Number(v)), LABEL[s.field]]} />
                <Line dataKey="value" stroke={COLOR[s.field]} strokeWidth={1.4} dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </div>
        </figure>
      ))}
    </div>
  );
}
