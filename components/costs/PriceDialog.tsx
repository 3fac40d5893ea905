"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import type { PriceRow } from "@/lib/pricing/list";
import { apiFetch, messageOf } from "../api-client";
import { Button } from "../ui/Button";
import { Field } from "../ui/Field";
import { Input } from "../ui/Input";
import { Notice } from "../ui/Notice";
import styles from "./costs.module.css";
import { bodyFromForm, fieldOfServerMessage, formFromRow, type PriceFormErrors, type PriceFormKey, type PriceFormValues } from "./price-form";

type Props = { open: boolean; row: PriceRow | null; onClose: () => void };

// Every price in a group is optional (empty = unknown); the legend says so once, so the labels stay one line.
type PriceField = { key: PriceFormKey; label: string };

// The fine-tuned model's inference prices and the base model's own, grouped so the two are not confused
// (fine-tuned inference costs about twice the base's).
const FINE_TUNED_FIELDS: PriceField[] = [
  { key: "inputPerMTok", label: "Input / 1M ($)" },
  { key: "cachedInputPerMTok", label: "Cached input / 1M ($)" },
  { key: "outputPerMTok", label: "Output / 1M ($)" },
];
const BASE_FIELDS: PriceField[] = [
  { key: "baseInputPerMTok", label: "Base input / 1M ($)" },
  { key: "baseCachedInputPerMTok", label: "Base cached / 1M ($)" },
  { key: "baseOutputPerMTok", label: "Base output / 1M ($)" },
];

/** Add a row (row = null) or edit one, in a modal form; what was typed stays when the server refuses it. */
export function PriceDialog({ open, row, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<PriceFormValues>(() => formFromRow(row));
  const [errors, setErrors] = useState<PriceFormErrors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const mode = row ? "edit" : "add";

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      setValues(formFromRow(row));
      setErrors({});
      setGeneral(null);
      dialog.showModal();
    } else if (!open && dialog.open) dialog.close();
  }, [open, row]);

  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      row ? apiFetch(`/api/prices/${row.id}`, { method: "PATCH", body }) : apiFetch("/api/prices", { method: "POST", body }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["prices"] });
      onClose();
    },
    onError: (err) => {
      const { field, message } = fieldOfServerMessage(messageOf(err));
      if (field) setErrors({ [field]: message });
      else setGeneral(message);
    },
  });

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setGeneral(null);
    const parsed = bodyFromForm(values, mode);
    if ("errors" in parsed) return setErrors(parsed.errors);
    setErrors({});
    save.mutate(parsed.body);
  };
  const set = (key: PriceFormKey) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setValues((v) => ({ ...v, [key]: e.target.value }));

  return (
    <dialog
      ref={ref}
      className="dialog"
      style={{ width: "min(720px, calc(100vw - 2rem))" }}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        if (!save.isPending) onClose();
      }}
    >
      <form onSubmit={submit} noValidate>
        <div className="dialog-body stack" style={{ gap: "0.9rem" }}>
          <h2 id={titleId}>{row ? `Edit prices of ${row.model}` : "Add a model to the price table"}</h2>
          <div className={styles.priceForm}>
            {row ? null : (
              <Field id="price-provider" label="Provider">
                {(c) => (
                  <select {...c} className="input" value={values.provider} onChange={set("provider")}>
                    <option value="openai">OpenAI</option>
                    <option value="local">Local</option>
                  </select>
                )}
              </Field>
            )}
            <div className={row ? styles.wide : undefined}>
              <Field id="price-model" label="Model" error={errors.model}>
                {(c) => <Input {...c} className="mono" value={values.model} onChange={set("model")} autoComplete="off" spellCheck={false} />}
              </Field>
            </div>
            <Field id="price-trainingPerMTok" label="Training / 1M tokens ($)" error={errors.trainingPerMTok}>
              {(c) => <Input {...c} inputMode="decimal" value={values.trainingPerMTok} onChange={set("trainingPerMTok")} autoComplete="off" />}
            </Field>
            <Field id="price-asOf" label="As of" optional hint={row?.asOf ? `Now ${row.asOf}; empty = today.` : "Empty = today."} error={errors.asOf}>
              {(c) => <Input {...c} type="date" value={values.asOf} onChange={set("asOf")} />}
            </Field>
            {(
              [
                ["Using the fine-tuned model (optional)", FINE_TUNED_FIELDS],
                ["Using the base model, not fine-tuned (optional)", BASE_FIELDS],
              ] as const
            ).map(([legend, fields]) => (
              <fieldset key={legend} className={`${styles.fieldGroup} ${styles.wide}`}>
                <legend>{legend}</legend>
                <div className={styles.priceGroup}>
                  {fields.map((f) => (
                    <Field key={f.key} id={`price-${f.key}`} label={f.label} error={errors[f.key]}>
                      {(c) => <Input {...c} inputMode="decimal" value={values[f.key]} onChange={set(f.key)} autoComplete="off" />}
                    </Field>
                  ))}
                </div>
              </fieldset>
            ))}
            <div className={styles.wide}>
              <Field id="price-note" label="Note" optional error={errors.note}>
                {(c) => <Input {...c} value={values.note} onChange={set("note")} maxLength={500} />}
              </Field>
            </div>
          </div>
          <p className="muted" style={{ fontSize: "0.85rem", margin: 0 }}>
            Saved rows are marked “edited”. Evaluations price a fine-tuned model (ft:…) at the fine-tuned prices and the
            base model itself at the base prices; empty means unknown.
          </p>
          {general ? <Notice tone="danger">{general}</Notice> : null}
        </div>
        <div className="dialog-actions">
          <Button onClick={onClose} disabled={save.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" disabled={save.isPending} aria-busy={save.isPending || undefined}>
            {save.isPending ? "Saving…" : row ? "Save prices" : "Add model"}
          </Button>
        </div>
      </form>
    </dialog>
  );
}
