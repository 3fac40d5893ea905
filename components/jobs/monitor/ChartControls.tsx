"use client";

import styles from "./monitor.module.css";

// Smoothing (TensorBoard's EMA weight, 0 = raw) and a log-scale y axis, shared by the job and compare pages.
export type ChartSettings = { smoothing: number; logScale: boolean };

export function ChartControls({ value, onChange }: { value: ChartSettings; onChange: (v: ChartSettings) => void }) {
  return (
    <div className={styles.controls}>
      <label>
        Smoothing
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={value.smoothing}
          aria-valuetext={value.smoothing.toFixed(2)}
          onChange={(e) => onChange({ ...value, smoothing: Number(e.target.value) })}
        />
        <span className="num">{value.smoothing.toFixed(2)}</span>
      </label>
      <label>
        <input type="checkbox" checked={value.logScale} onChange={(e) => onChange({ ...value, logScale: e.target.checked })} />
        Log scale
      </label>
    </div>
  );
}
