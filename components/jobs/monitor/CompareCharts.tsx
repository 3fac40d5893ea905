"use client";

import { useMemo, useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Card } from "@/components/ui/Card";
import { chartSeries, type Metric } from "@/lib/jobs/monitor/series";
import type { JobStatusName, MetricPointView } from "@/lib/jobs/types";
import { ChartControls, type ChartSettings } from "./ChartControls";
import { ACCURACY_DOMAIN, axisTick, formatFigure, seriesValues, tooltipStyle, valueAxisRange } from "./chart-style";
import { compareColor } from "./compare-colors";
import styles from "./monitor.module.css";

// Several jobs' curves on one chart: one colour per job, training solid, validation dashed.

export type CompareJob = { id: string; name: string; status: JobStatusName; metrics: MetricPointView[] };

function OverlayChart({ jobs, metric, settings }: { jobs: CompareJob[]; metric: Metric; settings: ChartSettings }) {
  const series = useMemo(
    () => jobs.map((j) => chartSeries(j.metrics, { metric, smoothing: settings.smoothing, logScale: metric === "loss" && settings.logScale, maxPoints: 800 })),
    [jobs, metric, settings],
  );
  const logScale = metric === "loss" && settings.logScale;
  const valueRange = useMemo(
    () => (metric === "accuracy" ? { domain: ACCURACY_DOMAIN } : valueAxisRange(series.flatMap((s) => [...seriesValues(s)]), { logScale })),
    [series, metric, logScale],
  );
  return (
    <div className={styles.chartBox} role="img" aria-label={`${metric} of ${jobs.map((j) => j.name).join(", ")}`} data-testid={`compare-${metric}`} data-series={series.filter((s) => s.train.length || s.valid.length).length}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" />
          <XAxis dataKey="step" type="number" domain={[0, "auto"]} allowDecimals={false} allowDuplicatedCategory={false} tick={axisTick} tickLine={false} />
          <YAxis type="number" scale={logScale ? "log" : "auto"} {...valueRange} allowDataOverflow={settings.logScale || metric === "accuracy"} width={48} tick={axisTick} tickLine={false} axisLine={false} tickFormatter={formatFigure} />
          <Tooltip isAnimationActive={false} contentStyle={tooltipStyle} labelFormatter={(s) => `step ${s}`} formatter={(v, n) => [formatFigure(Number(v)), n]} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {jobs.flatMap((j, i) => [
            <Line key={`${j.id}-train`} data={series[i]!.train} dataKey="smooth" name={`${j.name} · training`} stroke={compareColor(i)} strokeWidth={1.6} dot={false} isAnimationActive={false} />,
            <Line key={`${j.id}-valid`} data={series[i]!.valid} dataKey="smooth" name={`${j.name} · validation`} stroke={compareColor(i)} strokeDasharray="5 3" strokeWidth={1.4} dot={false} isAnimationActive={false} />,
          ])}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

export function CompareCharts({ jobs }: { jobs: CompareJob[] }) {
  const [settings, setSettings] = useState<ChartSettings>({ smoothing: 0.6, logScale: false });
  const hasAccuracy = useMemo(() => jobs.some((j) => j.metrics.some((m) => m.trainAccuracy !== null || m.validAccuracy !== null)), [jobs]);
  return (
    <div className="stack">
      <Card title="Loss" description="Training solid, validation dashed; one colour per job." actions={<ChartControls value={settings} onChange={setSettings} />}>
        <OverlayChart jobs={jobs} metric="loss" settings={settings} />
      </Card>
      {/* OpenAI reports token accuracy; local jobs do not, so a comparison of local jobs has no such chart. */}
      {hasAccuracy ? (
        <Card title="Token accuracy">
          <OverlayChart jobs={jobs} metric="accuracy" settings={settings} />
        </Card>
      ) : null}
    </div>
  );
}
