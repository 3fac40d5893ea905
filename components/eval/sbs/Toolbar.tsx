"use client";

import { QUALITY_METRICS, type QualityMetric } from "@/lib/eval/types";
import styles from "../eval.module.css";
import { METRIC_LABELS } from "../run/words";
import type { SampleFilters, Side, SortKey, VerdictFilter } from "./filters";
import type { DiffMode } from "./SampleRow";

// The side-by-side list's filters, sort and diff mode.

const VERDICTS: [VerdictFilter, string][] = [
  ["all", "All rows"],
  ["wins", "Candidate wins"],
  ["losses", "Candidate loses"],
  ["ties", "Ties"],
  ["inconsistent", "Inconsistent"],
  ["unjudged", "Not judged"],
];

type Props = { filters: SampleFilters; onChange: (f: SampleFilters) => void; tags: string[]; diffMode: DiffMode; onDiffMode: (m: DiffMode) => void };

export function Toolbar({ filters: f, onChange, tags, diffMode, onDiffMode }: Props) {
  const set = (patch: Partial<SampleFilters>) => onChange({ ...f, ...patch });
  const t = f.threshold;
  return (
    <div className={styles.toolbar} role="group" aria-label="Filter and sort rows">
      <label>
        Verdict
        <select className="input" value={f.verdict} onChange={(e) => set({ verdict: e.target.value as VerdictFilter })} data-testid="filter-verdict">
          {VERDICTS.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <label>
        Tag
        <select className="input" value={f.tag ?? ""} onChange={(e) => set({ tag: e.target.value || null })} disabled={tags.length === 0}>
          <option value="">Any tag</option>
          {tags.map((tag) => (
            <option key={tag} value={tag}>
              {tag}
            </option>
          ))}
        </select>
      </label>
      <label>
        Metric filter
        <span className="row" style={{ gap: "0.25rem" }}>
          <select className="input" aria-label="Side" value={t ? t.side : ""} onChange={(e) => set({ threshold: e.target.value ? { metric: t?.metric ?? "exactMatch", op: t?.op ?? "<=", value: t?.value ?? 0, side: e.target.value as Side } : null })}>
            <option value="">None</option>
            <option value="candidate">candidate</option>
            <option value="baseline">baseline</option>
          </select>
          {t ? (
            <>
              <select className="input" aria-label="Metric" value={t.metric} onChange={(e) => set({ threshold: { ...t, metric: e.target.value as QualityMetric } })}>
                {QUALITY_METRICS.map((m) => (
                  <option key={m} value={m}>
                    {METRIC_LABELS[m]}
                  </option>
                ))}
              </select>
              <select className="input" aria-label="Comparison" value={t.op} onChange={(e) => set({ threshold: { ...t, op: e.target.value as "<=" | ">=" } })}>
                <option value="<=">≤</option>
                <option value=">=">≥</option>
              </select>
              <input
                className="input"
                aria-label="Threshold"
                type="number"
                min={0}
                max={1}
                step={0.05}
                style={{ width: "4.5rem" }}
                value={t.value}
                onChange={(e) => set({ threshold: { ...t, value: Number(e.target.value) } })}
              />
            </>
          ) : null}
        </span>
      </label>
      <label className={styles.check}>
        <input type="checkbox" checked={f.errorsOnly} onChange={(e) => set({ errorsOnly: e.target.checked })} /> Errors only
      </label>
      <label>
        Sort
        <span className="row" style={{ gap: "0.25rem" }}>
          <select className="input" value={f.sort} onChange={(e) => set({ sort: e.target.value as SortKey })} data-testid="sort">
            <option value="index">By row</option>
            <option value="delta-asc">Delta, worst first</option>
            <option value="delta-desc">Delta, best first</option>
          </select>
          {f.sort !== "index" ? (
            <select className="input" aria-label="Delta of" value={f.sortMetric} onChange={(e) => set({ sortMetric: e.target.value as QualityMetric })}>
              {QUALITY_METRICS.map((m) => (
                <option key={m} value={m}>
                  {METRIC_LABELS[m]}
                </option>
              ))}
            </select>
          ) : null}
        </span>
      </label>
      <label>
        Highlight
        <select className="input" value={diffMode} onChange={(e) => onDiffMode(e.target.value as DiffMode)}>
          <option value="expected">Words not in the expected answer</option>
          <option value="each-other">Baseline ↔ candidate differences</option>
        </select>
      </label>
    </div>
  );
}
