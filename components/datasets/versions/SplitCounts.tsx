import { formatInt } from "../../ui/format";
import styles from "./versions.module.css";

/** Train / validation / test as three labelled numbers; `label` names the group for screen readers. */
export function SplitCounts({ label, counts }: { label: string; counts: { train: number; validation: number; test: number } }) {
  return (
    <dl className={styles.counts} aria-label={label}>
      <div>
        <dt>Train</dt>
        <dd>{formatInt(counts.train)}</dd>
      </div>
      <div>
        <dt>Validation</dt>
        <dd>{formatInt(counts.validation)}</dd>
      </div>
      <div>
        <dt>Test</dt>
        <dd>{formatInt(counts.test)}</dd>
      </div>
    </dl>
  );
}
