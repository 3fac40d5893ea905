"use client";

import { MAX_SWEEP_VALUES, SWEEP_FIELDS, parseSweepValues, type SweepField } from "@/lib/jobs/launch/sweep-fields";
import { Field } from "../../ui/Field";
import { Input } from "../../ui/Input";
import styles from "./launch.module.css";

// The local launch form's "Sweep": launch one job per value of one setting instead of one job, every other setting
// as the form says. The jobs are then compared on /jobs/compare, where the form goes once they are launched.

export type SweepState = { on: boolean; field: SweepField; values: string };
export const INITIAL_SWEEP: SweepState = { on: false, field: "lr", values: SWEEP_FIELDS.lr.example };

/** The sweep as the API takes it, or why it cannot go yet (null while the box is off). */
export function sweepOf(s: SweepState): { field: SweepField; values: number[] } | { error: string } | null {
  if (!s.on) return null;
  const parsed = parseSweepValues(s.values);
  return parsed.error ? { error: parsed.error } : { field: s.field, values: parsed.values };
}

export function SweepFieldset({ value, onChange, dpo }: { value: SweepState; onChange: (s: SweepState) => void; dpo: boolean }) {
  const sweep = sweepOf(value);
  const fields = (Object.keys(SWEEP_FIELDS) as SweepField[]).filter((f) => f !== "dpoBeta" || dpo);
  const label = SWEEP_FIELDS[value.field].label;
  return (
    <fieldset className={styles.fieldset}>
      <legend>Sweep</legend>
      <div className={styles.checks}>
        <label>
          <input type="checkbox" checked={value.on} onChange={(e) => onChange({ ...value, on: e.target.checked })} /> Launch one job per value of a setting
        </label>
      </div>
      {value.on ? (
        <>
          <div className={styles.grid}>
            <Field id="local-sweep-field" label="Setting to vary">
              {(p) => (
                <select {...p} className="input" value={value.field} onChange={(e) => onChange({ ...value, field: e.target.value as SweepField, values: SWEEP_FIELDS[e.target.value as SweepField].example })}>
                  {fields.map((f) => (
                    <option key={f} value={f}>
                      {SWEEP_FIELDS[f].label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field id="local-sweep-values" label="Values" hint={`2–${MAX_SWEEP_VALUES} numbers, separated by commas`} error={sweep && "error" in sweep ? `Values: ${sweep.error}.` : undefined}>
              {(p) => <Input {...p} className="mono" value={value.values} onChange={(e) => onChange({ ...value, values: e.target.value })} autoComplete="off" spellCheck={false} />}
            </Field>
          </div>
          <p className="muted" data-testid="local-sweep-summary">
            {sweep && "values" in sweep
              ? `${sweep.values.length} jobs, ${label.toLowerCase()} ${sweep.values.join(", ")}, each with every other setting above (its ${label.toLowerCase()} field is replaced). They queue for the GPU workers, and the comparison of their curves and results opens once they are launched.`
              : `Every other setting is the form's; the ${label.toLowerCase()} field above is replaced by these values.`}
          </p>
        </>
      ) : null}
    </fieldset>
  );
}
