"use client";

import { useDeferredValue, useId, useState } from "react";
import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { Field } from "../../ui/Field";
import { Input } from "../../ui/Input";
import { Notice } from "../../ui/Notice";
import { formatInt, plural } from "../../ui/format";
import { messageOf } from "../../api-client";
import { useApplySplit, useSplitPreview, useSplitSummary, type SplitForm } from "./api";
import { SplitCounts } from "./SplitCounts";
import styles from "./versions.module.css";

const newSeed = () => Math.floor(Math.random() * 1_000_000);

/** Re-split by ratio with a seed; the preview shows what Apply will write before anything changes. */
export function SplitCard({ datasetId }: { datasetId: string }) {
  const summary = useSplitSummary(datasetId);
  const [form, setForm] = useState<SplitForm>({ validationRatio: 0.1, seed: 42, stratifyByTag: false, resetManual: false });
  const [seedText, setSeedText] = useState("42");
  const seedValid = /^-?\d{1,15}$/.test(seedText.trim());
  // Dragging the slider should not send a request per pixel.
  const deferred = useDeferredValue(form);
  const preview = useSplitPreview(datasetId, deferred, seedValid && (summary.data?.total ?? 0) > 0);
  const apply = useApplySplit(datasetId);
  const id = useId();
  const set = (changes: Partial<SplitForm>) => {
    apply.reset();
    setForm((f) => ({ ...f, ...changes }));
  };

  const percent = Math.round(form.validationRatio * 100);
  const current = summary.data;
  return (
    <Card title="Split" description="Draw train and validation by ratio. The same seed always gives the same split." level={3}>
      <div className={styles.splitGrid}>
        <div className={styles.ratioField}>
          <label htmlFor={`${id}-ratio`}>Validation share</label>
          <div className={styles.ratioRow}>
            <input
              id={`${id}-ratio`}
              type="range"
              min={0}
              max={50}
              step={1}
              value={percent}
              onChange={(e) => set({ validationRatio: Number(e.target.value) / 100 })}
              aria-valuetext={`${percent}%`}
              className={styles.slider}
            />
            <output htmlFor={`${id}-ratio`} className={styles.percent}>
              {percent}%
            </output>
          </div>
        </div>
        <Field id={`${id}-seed`} label="Seed" error={seedValid ? undefined : "Enter a whole number, e.g. 42."}>
          {(control) => (
            <div className={styles.seedRow}>
              <Input
                {...control}
                inputMode="numeric"
                value={seedText}
                onChange={(e) => {
                  setSeedText(e.target.value);
                  if (/^-?\d{1,15}$/.test(e.target.value.trim())) set({ seed: Number(e.target.value.trim()) });
                }}
                className={styles.seedInput}
              />
              <Button
                size="sm"
                onClick={() => {
                  const seed = newSeed();
                  setSeedText(String(seed));
                  set({ seed });
                }}
              >
                New seed
              </Button>
            </div>
          )}
        </Field>
      </div>
      <div className={styles.checks}>
        <div>
          <label>
            <input type="checkbox" checked={form.stratifyByTag} onChange={(e) => set({ stratifyByTag: e.target.checked })} aria-describedby={`${id}-stratify`} />{" "}
            Stratify by tag
          </label>
          <span id={`${id}-stratify`} className="muted">
            {" "}
            — each tag keeps about the same validation share
          </span>
        </div>
        <div>
          <label>
            <input type="checkbox" checked={form.resetManual} onChange={(e) => set({ resetManual: e.target.checked })} aria-describedby={`${id}-reset`} />{" "}
            Reset manual choices
          </label>
          <span id={`${id}-reset`} className="muted">
            {" "}
            — {current ? plural(current.manual, "row") : "rows"} placed by hand are drawn again; otherwise they keep their split
          </span>
        </div>
      </div>

      <div className={styles.compareCounts}>
        <div>
          <div className={styles.countsLabel}>Now</div>
          {current ? <SplitCounts label="Current split" counts={current} /> : <span className="muted">Loading…</span>}
          {current && current.manual > 0 ? <div className={styles.countsNote}>{formatInt(current.manual)} set by hand</div> : null}
        </div>
        <span className={styles.arrow} aria-hidden="true">
          →
        </span>
        <div>
          <div className={styles.countsLabel}>After apply</div>
          {preview.data ? (
            <SplitCounts label="Split preview" counts={preview.data.totals} />
          ) : current?.total === 0 ? (
            <span className="muted">No examples yet</span>
          ) : (
            <span className="muted">Computing…</span>
          )}
          {preview.data && preview.data.kept > 0 ? <div className={styles.countsNote}>{formatInt(preview.data.kept)} manual kept</div> : null}
        </div>
      </div>

      <div className={styles.footer}>
        {preview.error ? <Notice tone="danger">{messageOf(preview.error)}</Notice> : null}
        {apply.error ? <Notice tone="danger">{messageOf(apply.error)}</Notice> : null}
        {apply.data ? (
          <Notice tone="ok">
            Split applied: {formatInt(apply.data.totals.train)} train, {formatInt(apply.data.totals.validation)} validation. Leakage is being re-checked.
          </Notice>
        ) : null}
        <div className="row">
          <Button variant="primary" disabled={!seedValid || apply.isPending || !current?.total} onClick={() => apply.mutate(form)} aria-busy={apply.isPending || undefined}>
            {apply.isPending ? "Applying…" : "Apply split"}
          </Button>
        </div>
      </div>
    </Card>
  );
}
