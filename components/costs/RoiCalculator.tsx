"use client";

import { useState } from "react";
import { calculateFineTuningRoi } from "@/lib/cost/roi";
import { ROI_DEFAULTS, ROI_FIELDS, parseRoiForm, roiFormToParams, type RoiFieldKey, type RoiForm, type RoiModelKey, type RowPrices } from "@/lib/cost/roi-form";
import type { PriceRow } from "@/lib/pricing/list";
import { messageOf } from "../api-client";
import { Field } from "../ui/Field";
import { Input } from "../ui/Input";
import { Notice } from "../ui/Notice";
import { formatUsd } from "../ui/format";
import { BreakEvenChart } from "./BreakEvenChart";
import styles from "./costs.module.css";
import { usePrices } from "./PriceTable";
import { HowComputed, RoiResults } from "./RoiResults";
import { replaceSearchParams } from "./url";

const USAGE: RoiFieldKey[] = ["training", "daily", "days", "inputShare", "reduction"];
const PRICES: { key: RoiFieldKey; model: RoiModelKey; column: keyof RowPrices }[] = [
  { key: "trainPrice", model: "ft", column: "trainingPerMTok" },
  // The base model's own prices (its base columns), not what its fine-tuned version would cost.
  { key: "baseIn", model: "base", column: "baseInputPerMTok" },
  { key: "baseOut", model: "base", column: "baseOutputPerMTok" },
  { key: "ftIn", model: "ft", column: "inputPerMTok" },
  { key: "ftOut", model: "ft", column: "outputPerMTok" },
];

function rowOf(prices: PriceRow[] | undefined, model: string): RowPrices | null {
  return prices?.find((p) => p.model === model) ?? null;
}

/**
 * Fields start from the URL (and a job's prefill); every change goes back into the URL as its difference from
 * `baseline` (the defaults, or the job's prefill), so the same link always rebuilds the same numbers.
 */
export function RoiCalculator({ initial, baseline = ROI_DEFAULTS }: { initial: RoiForm; baseline?: RoiForm }) {
  const prices = usePrices();
  const [form, setForm] = useState<RoiForm>(initial);
  const rows = { base: rowOf(prices.data?.prices, form.base), ft: rowOf(prices.data?.prices, form.ft) };
  const parsed = parseRoiForm(form, rows);
  const result = parsed.input ? calculateFineTuningRoi(parsed.input) : null;

  const update = (key: keyof RoiForm, value: string) => {
    const next = { ...form, [key]: value };
    setForm(next);
    const diff = roiFormToParams(next, baseline);
    replaceSearchParams(Object.fromEntries((Object.keys(ROI_DEFAULTS) as (keyof RoiForm)[]).map((k) => [k, diff[k] ?? null])));
  };
  const models = prices.data?.prices.map((p) => p.model) ?? [];

  const modelSelect = (key: RoiModelKey, label: string, hint: string) => (
    <Field id={`roi-${key}`} label={label} hint={hint}>
      {(c) => (
        <select {...c} className="input mono" value={form[key]} onChange={(e) => update(key, e.target.value)}>
          {models.includes(form[key]) ? null : <option value={form[key]}>{form[key]} (not in the price table)</option>}
          {models.map((m) => (
            <option key={m} value={m}>{m}</option>
          ))}
        </select>
      )}
    </Field>
  );

  return (
    <div className="stack" style={{ gap: "1rem" }}>
      {prices.error ? <Notice tone="warn" title="Prices could not be loaded">{messageOf(prices.error)} Type the prices below.</Notice> : null}
      <fieldset className={styles.fieldGroup}>
        <legend>Usage</legend>
        <div className={`field-grid ${styles.fields}`}>
          {USAGE.map((key) => (
            <Field key={key} id={`roi-${key}`} label={ROI_FIELDS[key].label} error={parsed.errors[key]}>
              {(c) => <Input {...c} inputMode="decimal" value={form[key]} onChange={(e) => update(key, e.target.value)} autoComplete="off" />}
            </Field>
          ))}
        </div>
      </fieldset>
      <fieldset className={styles.fieldGroup}>
        <legend>Models and prices (USD per 1M tokens)</legend>
        <div className={`field-grid ${styles.models}`}>
          {modelSelect("base", "Base model", "What you would use without fine-tuning.")}
          {modelSelect("ft", "Fine-tuned model", "The model you fine-tune; its row gives the training price.")}
        </div>
        <div className={`field-grid ${styles.fields}`} style={{ marginTop: "0.85rem" }}>
          {PRICES.map(({ key, model, column }) => {
            const tableValue = rows[model]?.[column] ?? null;
            const hint = form[key].trim() === "" ? (tableValue === null ? "Not in the table: type it." : "From the price table.") : "Typed; clear to use the table.";
            return (
              <Field key={key} id={`roi-${key}`} label={ROI_FIELDS[key].label} hint={hint} error={parsed.errors[key]}>
                {(c) => (
                  <Input
                    {...c}
                    inputMode="decimal"
                    value={form[key]}
                    placeholder={tableValue === null ? "" : formatUsd(tableValue)}
                    onChange={(e) => update(key, e.target.value)}
                    autoComplete="off"
                  />
                )}
              </Field>
            );
          })}
        </div>
        <p className="muted" style={{ fontSize: "0.85rem", margin: "0.6rem 0 0" }}>
          Base prices come from the table&apos;s base-model columns (the model used as is); fine-tuned prices from the
          fine-tuned model&apos;s row, which costs about twice its base to use. Type a price to override the table.
        </p>
      </fieldset>
      {prices.isPending ? (
        <p className="muted" aria-busy="true">Loading prices…</p>
      ) : result && parsed.input ? (
        <>
          <RoiResults result={result} days={parsed.input.days} />
          <BreakEvenChart result={result} days={parsed.input.days} />
        </>
      ) : (
        <Notice tone="warn" title="Fix the fields marked above to see the result" />
      )}
      <HowComputed input={parsed.input} result={result} />
    </div>
  );
}
