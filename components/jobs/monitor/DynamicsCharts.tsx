"use client";

import { useMemo } from "react";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatBytes } from "@/components/models/format";
import { byteAxis } from "@/lib/models/byte-axis";
import { dynamicsSeries, type DynamicsField, type DynamicsSeries } from "@/lib/jobs/monitor/dynamics";
import type { MetricPointView } from "@/lib/jobs/types";
import { axisTick, tooltipStyle, valueAxisRange } from "./chart-style";
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
  learningRate: (v) => (v === 0 ? "0" : v.toExponential(2)),
  gradNorm: (v) => (v === 0 ? "0" : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)),
  tokensPerSecond: (v) => Math.round(v).toLocaleString("en-US"),
  memoryBytes: formatBytes,
};

const COLOR: Record<DynamicsField, string> = { learningRate: "#2b8a3e", gradNorm: "#c2255c", tokensPerSecond: "#1971c2", memoryBytes: "#e67700" };

// Throughput and memory read from zero (a slowdown or a creep in proportion); memory in round binary steps, whose
// labels differ even when the run holds nearly the same bytes at every step. The schedule and gradient norm keep
// their own range.
function yAxisProps(s: DynamicsSeries) {
  if (s.field === "memoryBytes") {
    const axis = byteAxis(Math.max(...s.points.map((p) => p.value)));
    return { domain: [0, axis.ticks.at(-1)!], ticks: axis.ticks, tickFormatter: axis.format, width: 64 };
  }
  // A constant schedule or a single step is flat: valueAxisRange gives it a fixed range with distinct ticks.
  const fromZero = s.field === "tokensPerSecond";
  const values = s.points.map((p) => p.value);
  const range = valueAxisRange(fromZero ? [0, ...values] : values, { auto: fromZero ? [0, "auto"] : ["auto", "auto"] });
  return { ...range, tickFormatter: FORMAT[s.field], width: 56 };
}

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
                <YAxis type="number" {...yAxisProps(s)} tick={axisTick} tickLine={false} axisLine={false} />
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
