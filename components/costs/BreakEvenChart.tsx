"use client";

import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { breakEvenSeries, type RoiResult } from "@/lib/cost/roi";
import { formatUsd } from "../ui/format";
import styles from "./costs.module.css";

const compactUsd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", notation: "compact", maximumFractionDigits: 1 });

/** Cumulative spend of the base model vs the fine-tuned one (training paid on day 0), crossing at break-even. */
export function BreakEvenChart({ result, days }: { result: RoiResult; days: number }) {
  const data = breakEvenSeries(result, days);
  const crossing = result.breakEvenDays !== null && result.breakEvenDays <= days ? result.breakEvenDays : null;
  const last = data[data.length - 1]!;
  const summary =
    `Cumulative cost over ${days} days: base model ${formatUsd(last.base)}, fine-tuned ${formatUsd(last.fineTuned)} including training. ` +
    (crossing !== null ? `The lines cross at day ${crossing}.` : result.breakEvenDays === null ? "The fine-tuned model never catches up." : `Break-even comes after this period, on day ${result.breakEvenDays}.`);
  return (
    <figure style={{ margin: 0 }}>
      <div className={styles.chart} role="img" aria-label={summary}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 12, right: 20, bottom: 4, left: 4 }}>
            <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
            <XAxis
              dataKey="day"
              type="number"
              domain={[0, days]}
              tick={{ fontSize: 11, fill: "var(--text-muted)" }}
              label={{ value: "days", position: "insideBottomRight", offset: -2, fontSize: 11, fill: "var(--text-muted)" }}
            />
            <YAxis width={64} tickFormatter={(v: number) => compactUsd.format(v)} tick={{ fontSize: 11, fill: "var(--text-muted)" }} />
            <Tooltip
              contentStyle={{ background: "var(--surface)", border: "1px solid var(--border)", borderRadius: 6, fontSize: 12 }}
              labelFormatter={(d) => `Day ${d}`}
              formatter={(value, name) => [formatUsd(Number(value)), name]}
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Line type="linear" dataKey="base" name="Base model" stroke="var(--text-muted)" strokeWidth={2} dot={false} isAnimationActive={false} />
            <Line type="linear" dataKey="fineTuned" name="Fine-tuned (incl. training)" stroke="var(--accent)" strokeWidth={2} dot={false} isAnimationActive={false} />
            {crossing !== null ? (
              <ReferenceLine x={crossing} stroke="var(--ok)" strokeDasharray="4 3" label={{ value: `break-even: day ${crossing}`, position: "insideTopLeft", fontSize: 11, fill: "var(--ok)" }} />
            ) : null}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <figcaption className={styles.chartNote}>{summary}</figcaption>
    </figure>
  );
}
