"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { messageOf } from "@/components/api-client";
import { Card } from "@/components/ui/Card";
import { Notice } from "@/components/ui/Notice";
import { formatInt } from "@/components/ui/format";
import type { EvalRunView, EvalSampleView } from "@/lib/eval/types";
import { useEvalSamples, useOverrideVerdict } from "../api";
import styles from "../eval.module.css";
import { DEFAULT_FILTERS, allTags, visibleRows, type SampleFilters } from "./filters";
import { OVERRIDES, SampleRow, type DiffMode, type HumanChoice } from "./SampleRow";
import { Toolbar } from "./Toolbar";

// Every row of the run, virtualized: only the rows in view (plus a few) are in the DOM, each measured after it
// renders (rows differ in height and grow when expanded), so thousands of rows scroll like a dozen.
// Keyboard: j/k or ↓/↑ move the selected row, 1/2/3 set a verdict on it, 0 clears it.

const ESTIMATED_ROW_PX = 190;

/** Reload the rows as the run moves on, in tenths: often enough to watch, rarely enough for big runs. */
function samplesVersion(run: EvalRunView): string {
  const p = run.progress;
  const done = p.baseline + p.candidate + p.judged;
  const of = Math.max(1, p.total * (run.judgeSpec ? 3 : 2));
  return `${run.status}:${Math.floor((10 * done) / of)}`;
}

const typingIn = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(t.tagName));

export function SideBySide({ run }: { run: EvalRunView }) {
  const { data: samples, error, isPending, loaded } = useEvalSamples(run.id, samplesVersion(run));
  const override = useOverrideVerdict(run.id);
  const [filters, setFilters] = useState<SampleFilters>(DEFAULT_FILTERS);
  const [diffMode, setDiffMode] = useState<DiffMode>("expected");
  const [selected, setSelected] = useState<number | null>(null);
  const rows = useMemo(() => (samples ? visibleRows(samples, filters) : []), [samples, filters]);
  const tags = useMemo(() => (samples ? allTags(samples) : []), [samples]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const sectionRef = useRef<HTMLElement>(null);
  // The column heads stick at the top inside the scroller (so they line up with the rows whatever the scrollbar
  // width); the list starts below them, which the virtualizer is told as its scroll margin.
  const headRef = useRef<HTMLDivElement>(null);
  const [headPx, setHeadPx] = useState(0);
  useEffect(() => setHeadPx(headRef.current?.offsetHeight ?? 0), []);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ESTIMATED_ROW_PX,
    overscan: 4,
    scrollMargin: headPx,
    scrollPaddingStart: headPx,
    getItemKey: (i) => samples?.[rows[i]!]?.index ?? i,
  });

  const position = selected === null || !samples ? -1 : rows.findIndex((r) => samples[r]!.index === selected);

  const onOverride = useCallback(
    (s: EvalSampleView, verdict: HumanChoice) => {
      if (s.humanVerdict === verdict) return;
      override.mutate({ index: s.index, verdict, previous: s.humanVerdict });
    },
    [override],
  );

  // Window-level so the keys work wherever the reader is on the page, except while typing in a field; the
  // arrows only while focus is in this section (elsewhere they scroll the page as usual).
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.altKey || e.ctrlKey || e.metaKey || typingIn(e.target) || !samples || rows.length === 0) return;
      const inSection = sectionRef.current?.contains(document.activeElement) ?? false;
      const move = e.key === "j" || (inSection && e.key === "ArrowDown") ? 1 : e.key === "k" || (inSection && e.key === "ArrowUp") ? -1 : 0;
      if (move) {
        e.preventDefault();
        const next = Math.min(rows.length - 1, Math.max(0, position + move));
        setSelected(samples[rows[next]!]!.index);
        virtualizer.scrollToIndex(next, { align: "auto" });
        return;
      }
      const choice = OVERRIDES.find((o) => o.key === e.key);
      if (choice && position >= 0) {
        e.preventDefault();
        onOverride(samples[rows[position]!]!, choice.verdict);
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [samples, rows, position, virtualizer, onOverride]);

  const exportHref = (format: "csv" | "json") => `/api/evals/${encodeURIComponent(run.id)}/export?format=${format}`;

  return (
    <section ref={sectionRef} aria-labelledby="sbs-title">
      <Card
        title={<span id="sbs-title">Side by side</span>}
        level={2}
        description={
          samples
            ? `${formatInt(rows.length)} of ${formatInt(samples.length)} rows shown.`
            : isPending
              ? `Loading rows… ${loaded ? formatInt(loaded) : ""}`
              : undefined
        }
        actions={
          <>
            <a className="btn btn-secondary btn-sm" href={exportHref("csv")} download data-testid="export-csv">
              Export CSV
            </a>
            <a className="btn btn-secondary btn-sm" href={exportHref("json")} download data-testid="export-json">
              Export JSON
            </a>
          </>
        }
      >
        <Toolbar filters={filters} onChange={setFilters} tags={tags} diffMode={diffMode} onDiffMode={setDiffMode} />
        <p className={styles.hint} id="sbs-keys">
          Keys: <kbd className={styles.key}>j</kbd>/<kbd className={styles.key}>k</kbd> or <kbd className={styles.key}>↓</kbd>/<kbd className={styles.key}>↑</kbd> move ·{" "}
          <kbd className={styles.key}>1</kbd> candidate better · <kbd className={styles.key}>2</kbd> tie · <kbd className={styles.key}>3</kbd> baseline better ·{" "}
          <kbd className={styles.key}>0</kbd> clear. Highlighted words are {diffMode === "expected" ? "not in the expected answer (or, without one, not in the other output)" : "not in the other model's output"}.
        </p>
        {error ? <Notice tone="danger">Could not load the rows: {messageOf(error)}</Notice> : null}
        {override.error ? <Notice tone="danger">Your verdict was not saved: {messageOf(override.error)}</Notice> : null}
        <div
          ref={scrollRef}
          className={styles.scroller}
          tabIndex={0}
          aria-label="Evaluation rows"
          aria-describedby="sbs-keys"
          data-testid="sbs-scroller"
        >
          <div ref={headRef} className={styles.columnsHead} aria-hidden="true">
            <span>Prompt</span>
            <span>Expected</span>
            <span>
              Baseline <span className={styles.columnSpec} title={run.baselineSpec}>{run.baselineSpec}</span>
            </span>
            <span>
              Candidate <span className={styles.columnSpec} title={run.candidateSpec}>{run.candidateSpec}</span>
            </span>
          </div>
          {samples && rows.length === 0 ? <p className="muted" style={{ padding: "1rem" }}>No rows match these filters.</p> : null}
          <div role="list" style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {virtualizer.getVirtualItems().map((item) => {
              const s = samples![rows[item.index]!]!;
              return (
                <div
                  key={item.key}
                  id={`sbs-row-${s.index}`}
                  role="listitem"
                  aria-current={s.index === selected ? "true" : undefined}
                  data-index={item.index}
                  data-sample={s.index}
                  data-testid="sbs-row"
                  ref={virtualizer.measureElement}
                  className={styles.row}
                  style={{ transform: `translateY(${item.start - headPx}px)` }}
                >
                  <SampleRow sample={s} diffMode={diffMode} judged={!!run.judgeSpec} onSelect={setSelected} onOverride={onOverride} />
                </div>
              );
            })}
          </div>
        </div>
      </Card>
    </section>
  );
}
