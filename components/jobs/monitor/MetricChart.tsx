"use client";

import { useEffect, useMemo, useRef } from "react";
import { CartesianGrid, ComposedChart, Line, ReferenceLine, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from "recharts";
import { epochMarks } from "@/lib/jobs/monitor/epochs";
import { stepAxis } from "@/lib/jobs/monitor/step-axis";
import { chartSeries, type Metric } from "@/lib/jobs/monitor/series";
import type { MetricPointView } from "@/lib/jobs/types";
import { ACCURACY_DOMAIN, axisTick, formatFigure, seriesValues, tooltipStyle, valueAxisRange } from "./chart-style";
import styles from "./monitor.module.css";

// Train and validation curves of one job. Raw values are drawn faint behind the smoothed line (as
// TensorBoard does); full-validation figures at epoch ends are distinct markers; epoch boundaries are
// dashed lines. Series are memoized and thinned for drawing, and nothing animates, so 10,000 points and a
// new point per second stay cheap.

export const TRAIN_COLOR = "#1f4fd1";
export const VALID_COLOR = "#d9480f";
export const FULL_VALID_COLOR = "#7048e8";

type Props = {
  metric: Metric;
  title: string;
  points: readonly MetricPointView[];
  smoothing: number;
  logScale: boolean;
  epochSteps: readonly number[];
  height?: "normal" | "small";
  /** The step whose weights the adapter holds, where it is not the last one (a local job that kept its best step). */
  adapterStep?: number | null;
};


export function MetricChart({ metric, title, points, smoothing, logScale, epochSteps, height = "normal", adapterStep = null }: Props) {
  const series = useMemo(() => chartSeries(points, { metric, smoothing, logScale }), [points, metric, smoothing, logScale]);
  // The step axis is ours (step-axis.ts), so the epoch marks know which boundaries it shows.
  const axis = stepAxis(series.lastStep ?? 0);
  const valueRange = useMemo(
    () => (metric === "accuracy" ? { domain: ACCURACY_DOMAIN } : valueAxisRange(seriesValues(series), { logScale })),
    [series, metric, logScale],
  );
  const boxRef = useRef<HTMLDivElement>(null);

  // Tell tests and the bench which step is on screen: set after React committed the chart and the browser
  // had a frame to paint it.
  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const frame = requestAnimationFrame(() => {
      box.dataset.lastStep = series.lastStep === null ? "" : String(series.lastStep);
    });
    return () => cancelAnimationFrame(frame);
  }, [series]);

  const empty = series.train.length === 0 && series.valid.length === 0 && series.fullValid.length === 0;
  const summary = empty
    ? `${title}: no ${metric} figures yet`
    : `${title}: ${series.train.length ? `training ${formatFigure(series.train.at(-1)!.raw)} at step ${series.train.at(-1)!.step}` : "no training figures"}${
        series.valid.length ? `, validation ${formatFigure(series.valid.at(-1)!.raw)} at step ${series.valid.at(-1)!.step}` : ""
      }`;

  return (
    <figure className={styles.chartFigure}>
      <div
        ref={boxRef}
        className={height === "small" ? styles.chartBoxSmall : styles.chartBox}
        role="img"
        aria-label={summary}
        data-testid={`chart-${metric}`}
        data-train-points={series.train.length}
        data-valid-points={series.valid.length}
        data-adapter-step={adapterStep ?? ""}
      >
        {empty ? (
          <p className="muted">No {metric} figures yet; they appear here as the provider reports them.</p>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            <ComposedChart margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
              <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" />
              <XAxis dataKey="step" type="number" domain={[0, axis.end]} ticks={axis.ticks} allowDecimals={false} allowDuplicatedCategory={false} tick={axisTick} tickLine={false} />
              <YAxis
                type="number"
                scale={logScale ? "log" : "auto"}
                {...valueRange}
                allowDataOverflow={logScale || metric === "accuracy"}
                width={48}
                tick={axisTick}
                tickLine={false}
                axisLine={false}
                tickFormatter={formatFigure}
              />
              <Tooltip
                isAnimationActive={false}
                contentStyle={tooltipStyle}
                labelFormatter={(step) => `step ${step}`}
                formatter={(value, name) => [formatFigure(Number(value)), name]}
              />
              {epochMarks(epochSteps, axis.end).map((m) => (
                <ReferenceLine key={m.step} x={m.step} stroke="var(--border-strong)" strokeDasharray="4 4" label={m.label ? { value: m.label, position: m.labelLeft ? "insideTopRight" : "insideTopLeft", fontSize: 10, fill: "var(--text-muted)" } : undefined} />
              ))}
              {adapterStep !== null ? (
                // Second row (offset) so it is not written over an epoch label; on the side with more room.
                <ReferenceLine
                  x={adapterStep}
                  stroke={VALID_COLOR}
                  strokeDasharray="2 3"
                  label={{ value: "adapter (best)", position: adapterStep > axis.end / 2 ? "insideTopRight" : "insideTopLeft", offset: 20, fontSize: 10, fill: VALID_COLOR }}
                />
              ) : null}
              {smoothing > 0 ? (
                <Line data={series.train} dataKey="raw" name="training (raw)" stroke={TRAIN_COLOR} strokeOpacity={0.22} dot={false} isAnimationActive={false} legendType="none" tooltipType="none" />
              ) : null}
              <Line data={series.train} dataKey="smooth" name="training" stroke={TRAIN_COLOR} strokeWidth={1.6} dot={false} isAnimationActive={false} />
              {smoothing > 0 ? (
                <Line data={series.valid} dataKey="raw" name="validation (raw)" stroke={VALID_COLOR} strokeOpacity={0.25} dot={false} isAnimationActive={false} legendType="none" tooltipType="none" />
              ) : null}
              <Line data={series.valid} dataKey="smooth" name="validation" stroke={VALID_COLOR} strokeWidth={1.6} dot={false} isAnimationActive={false} />
              <Scatter data={series.fullValid} dataKey="raw" name="full validation (epoch end)" fill={FULL_VALID_COLOR} shape="diamond" isAnimationActive={false} />
            </ComposedChart>
          </ResponsiveContainer>
        )}
      </div>
      {/* The legend names the series drawn: a job without a validation split, or one without whole-set passes at
          epoch ends (DPO), has no such line to explain. */}
      <figcaption className={styles.legendNote} data-testid={`legend-${metric}`}>
        <span style={{ color: TRAIN_COLOR }}>━ training</span>
        {series.valid.length ? (
          <>
            {"  ·  "}
            <span style={{ color: VALID_COLOR }}>━ validation</span>
          </>
        ) : null}
        {series.fullValid.length ? (
          <>
            {"  ·  "}
            <span style={{ color: FULL_VALID_COLOR }}>◆ full validation at epoch end</span>
          </>
        ) : null}
        {epochSteps.length ? "  ·  ┆ epoch boundary" : ""}
        {adapterStep !== null ? (
          <>
            {"  ·  "}
            <span style={{ color: VALID_COLOR }} data-testid={`legend-${metric}-adapter`}>
              ┆ step {adapterStep}: the adapter (lowest validation loss)
            </span>
          </>
        ) : null}
      </figcaption>
    </figure>
  );
}
