"use client";

import { useId } from "react";
import styles from "./editor.module.css";

// A JSON text box with its parse result right under it: the error (with line and column) while the text is
// not savable, so the user fixes it before Save is offered.
export function JsonField({
  label,
  value,
  onChange,
  error,
  placeholder,
  hint,
}: {
  label: string;
  value: string;
  onChange: (text: string) => void;
  error: string | undefined;
  placeholder?: string;
  hint?: string;
}) {
  const id = useId();
  return (
    <div className={styles.section}>
      <label htmlFor={id} className={styles.subLabel}>
        {label}
      </label>
      <textarea
        id={id}
        className={`input ${styles.content} ${styles.mono}`}
        value={value}
        spellCheck={false}
        placeholder={placeholder}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-status`}
        onChange={(e) => onChange(e.target.value)}
      />
      <p id={`${id}-status`} className={error ? styles.jsonError : styles.hint} role={error ? "alert" : undefined}>
        {error ?? hint ?? ""}
      </p>
    </div>
  );
}
