"use client";

import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatInt } from "@/components/ui/format";
import styles from "./stats.module.css";

export type BarItem = { label: string; count: number; tone?: "accent" | "warn" | "danger" | "muted" };

const FILL = { accent: "var(--accent)", warn: "var(--warn)", danger: "var(--danger)", muted: "var(--border-strong)" } as const;

/** Horizontal bars for categories (tags, issue codes), tallest first. */
export function BarsChart({ title, items, empty, unit = "examples", note }: { title: string; items: BarItem[]; empty: string; unit?: string; note?: string }) {
  const summary = items.length ? `${title}: ${items.map((i) => `${i.label} ${formatInt(i.count)}`).join(", ")}` : `${title}: ${empty}`;
  const height = Math.max(120, items.length * 24 + 36);
  return (
    <figure className={styles.chartCard}>
      <figcaption className={styles.chartTitle}>{title}</figcaption>
      {items.length === 0 ? (
        <p className={`muted ${styles.chartEmpty}`}>{empty}</p>
      ) : (
        <div className={styles.barsChart} style={{ height }} role="img" aria-label={summary}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={items} layout="vertical" margin={{ top: 4, right: 24, bottom: 4, left: 4 }}>
              <CartesianGrid horizontal={false} stroke="var(--border)" />
              <XAxis type="number" allowDecimals={false} tick={{ fontSize: 11, fill: "var(--text-muted)" }} tickLine={false} axisLine={{ stroke: "var(--border)" }} />
              <YAxis type="category" dataKey="label" width={150} interval={0} tick={{ fontSize: 12, fill: "var(--text)" }} tickLine={false} axisLine={false} />
              <Tooltip
                cursor={{ fill: "var(--surface-2)" }}
                contentStyle={{ background: "var(--surface)", border: "1px solid var(--border)", borderRadius: 6, fontSize: 12 }}
                formatter={(value) => [`${formatInt(Number(value))} ${unit}`, ""]}
                separator=""
              />
              <Bar dataKey="count" radius={[0, 3, 3, 0]} isAnimationActive={false} barSize={16}>
                {items.map((item) => (
                  <Cell key={item.label} fill={FILL[item.tone ?? "accent"]} />
                ))}
              </Bar>
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
      {note ? <p className={styles.chartNote}>{note}</p> : null}
    </figure>
  );
}
