"use client";

import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatInt } from "@/components/ui/format";
import type { Histogram } from "./types";
import styles from "./stats.module.css";

type Props = {
  title: string;
  /** What a bucket counts, for the tooltip and the accessible summary ("tokens", "messages"). */
  unit: string;
  histogram: Histogram;
  /** A vertical marker, e.g. the model's per-example token limit. */
  limit?: { value: number; label: string };
  empty: string;
};

function bucketLabel(from: number, to: number): string {
  return to - from === 1 ? formatInt(from) : `${formatInt(from)}–${formatInt(to - 1)}`;
}

/** A histogram with its summary as the accessible name (the bars themselves are not readable by AT). */
export function HistogramChart({ title, unit, histogram, limit, empty }: Props) {
  const data = histogram.buckets.map((b) => ({ label: bucketLabel(b.from, b.to), from: b.from, to: b.to, count: b.count }));
  const total = data.reduce((s, d) => s + d.count, 0);
  const summary = data.length
    ? `${title}: ${formatInt(total)} examples from ${formatInt(data[0]!.from)} to ${formatInt(data[data.length - 1]!.to - 1)} ${unit}`
    : `${title}: ${empty}`;
  // The limit line sits on the bucket holding it; beyond the last bucket it would be off-chart, so it is noted instead.
  const limitBucket = limit ? data.find((d) => d.from <= limit.value && limit.value < d.to) : undefined;
  return (
    <figure className={styles.chartCard}>
      <figcaption className={styles.chartTitle}>{title}</figcaption>
      {data.length === 0 ? (
        <p className={`muted ${styles.chartEmpty}`}>{empty}</p>
      ) : (
        <div className={styles.chart} role="img" aria-label={summary}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={data} margin={{ top: 8, right: 8, bottom: 4, left: 0 }}>
              <CartesianGrid vertical={false} stroke="var(--border)" />
              <XAxis dataKey="label" tick={{ fontSize: 11, fill: "var(--text-muted)" }} tickLine={false} axisLine={{ stroke: "var(--border)" }} interval="preserveStartEnd" minTickGap={12} />
              <YAxis allowDecimals={false} width={40} tick={{ fontSize: 11, fill: "var(--text-muted)" }} tickLine={false} axisLine={false} />
              <Tooltip
                cursor={{ fill: "var(--surface-2)" }}
                contentStyle={{ background: "var(--surface)", border: "1px solid var(--border)", borderRadius: 6, fontSize: 12 }}
                formatter={(value) => [`${formatInt(Number(value))} examples`, ""]}
                labelFormatter={(label) => `${label} ${unit}`}
                separator=""
              />
              <Bar dataKey="count" fill="var(--accent)" radius={[3, 3, 0, 0]} isAnimationActive={false} />
              {limitBucket ? <ReferenceLine x={limitBucket.label} stroke="var(--danger)" strokeDasharray="4 3" label={{ value: limit!.label, position: "insideTopRight", fontSize: 11, fill: "var(--danger)" }} /> : null}
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
      {limit && !limitBucket && data.length > 0 ? (
        <p className={styles.chartNote}>
          All examples are under the {limit.label.toLowerCase()} ({formatInt(limit.value)} {unit}).
        </p>
      ) : null}
    </figure>
  );
}
