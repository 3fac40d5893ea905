import type { ReadinessItem } from "./types";
import styles from "./stats.module.css";

const ICON: Record<ReadinessItem["level"], string> = { error: "✗", warning: "!", ok: "✓" };
const LABEL: Record<ReadinessItem["level"], string> = { error: "Problem", warning: "Warning", ok: "OK" };

/** The readiness checklist: problems first, then warnings, then what was checked and is fine. */
export function ReadinessList({ items }: { items: ReadinessItem[] }) {
  const order = { error: 0, warning: 1, ok: 2 } as const;
  const sorted = [...items].sort((a, b) => order[a.level] - order[b.level]);
  return (
    <ul className={styles.readiness} aria-label="Readiness checklist">
      {sorted.map((item) => (
        <li key={item.code} className={`${styles.check} ${styles[item.level]}`} data-code={item.code}>
          <span className={styles.checkIcon} aria-hidden="true">
            {ICON[item.level]}
          </span>
          <span className="visually-hidden">{LABEL[item.level]}: </span>
          <span>{item.message}</span>
        </li>
      ))}
    </ul>
  );
}
