"use client";

import styles from "./launch.module.css";

export type Provider = "openai" | "local";

/** A segmented radio group: OpenAI (hosted) or Local (the native trainer on your workers). */
export function ProviderSwitch({ value, onChange }: { value: Provider; onChange: (p: Provider) => void }) {
  return (
    <fieldset className={styles.fieldset} style={{ border: "none", padding: 0 }}>
      <legend>Provider</legend>
      <div className={styles.providers} role="radiogroup" aria-label="Provider">
        <label>
          <input type="radio" name="provider" value="openai" checked={value === "openai"} onChange={() => onChange("openai")} /> OpenAI
        </label>
        <label>
          <input type="radio" name="provider" value="local" checked={value === "local"} onChange={() => onChange("local")} /> Local
        </label>
      </div>
    </fieldset>
  );
}
