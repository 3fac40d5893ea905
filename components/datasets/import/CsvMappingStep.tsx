"use client";

import { useState } from "react";
import type { CsvPreview } from "@/lib/datasets/import/types";
import { Button } from "../../ui/Button";
import { Field } from "../../ui/Field";
import { Table } from "../../ui/Table";
import styles from "./import.module.css";

export type CsvMapping = { system?: string; user: string; assistant: string };

/** Which CSV column holds the system prompt (optional), the user text and the assistant reply. */
export function CsvMappingStep({
  csv,
  busy,
  onConfirm,
  onCancel,
}: {
  csv: CsvPreview;
  busy: boolean;
  onConfirm: (mapping: CsvMapping, skipInvalid: boolean) => void;
  onCancel: () => void;
}) {
  const [system, setSystem] = useState(csv.suggestedMapping.system ?? "");
  const [user, setUser] = useState(csv.suggestedMapping.user ?? "");
  const [assistant, setAssistant] = useState(csv.suggestedMapping.assistant ?? "");
  const [skipInvalid, setSkipInvalid] = useState(false);
  const index = (column: string) => csv.columns.indexOf(column);
  const cell = (row: string[], column: string) => (column ? (row[index(column)] ?? "") : "");
  const same = user !== "" && user === assistant;

  const select = (id: string, label: string, value: string, set: (v: string) => void, optional: boolean) => (
    <Field id={id} label={label} optional={optional}>
      {(p) => (
        <select className="input" value={value} onChange={(e) => set(e.target.value)} {...p}>
          <option value="">{optional ? "No system prompt" : "Choose a column"}</option>
          {csv.columns.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      )}
    </Field>
  );

  return (
    <div className="stack">
      <p>
        Map the columns of the CSV to the messages of each example. Columns found: <strong>{csv.columns.join(", ")}</strong>.
      </p>
      <div className={styles.mapping}>
        {select("csv-system", "System column", system, setSystem, true)}
        {select("csv-user", "User column", user, setUser, false)}
        {select("csv-assistant", "Assistant column", assistant, setAssistant, false)}
      </div>
      {same ? <p className="field-error">The user and assistant columns must differ.</p> : null}
      <Table caption="Preview of the first rows as examples" captionHidden={false}>
        <thead>
          <tr>
            <th scope="col">System</th>
            <th scope="col">User</th>
            <th scope="col">Assistant</th>
          </tr>
        </thead>
        <tbody>
          {csv.rows.map((row, i) => (
            <tr key={i}>
              <td className={styles.previewCell}>{cell(row, system) || <span className="muted">—</span>}</td>
              <td className={styles.previewCell}>{cell(row, user)}</td>
              <td className={styles.previewCell}>{cell(row, assistant)}</td>
            </tr>
          ))}
        </tbody>
      </Table>
      <label className={styles.check}>
        <input type="checkbox" checked={skipInvalid} onChange={(e) => setSkipInvalid(e.target.checked)} />
        Import valid rows only (skip rows that fail)
      </label>
      <div className={styles.actions}>
        <Button variant="primary" disabled={busy || !user || !assistant || same} onClick={() => onConfirm({ ...(system ? { system } : {}), user, assistant }, skipInvalid)}>
          {busy ? "Starting…" : "Import with this mapping"}
        </Button>
        <Button onClick={onCancel} disabled={busy}>
          Cancel import
        </Button>
      </div>
    </div>
  );
}
