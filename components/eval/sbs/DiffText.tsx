import { memo, useMemo } from "react";
import { wordDiff } from "@/lib/eval/diff";
import { cx } from "@/components/ui/cx";
import styles from "../eval.module.css";

// One output with the words that are not in its reference highlighted. Only the output's own words are drawn
// (the reference's missing words are not inserted): the cell stays the exact text the model produced, which
// matters when a reader checks JSON or formatting by eye; the reference sits in its own column.

export const DiffText = memo(function DiffText({ text, reference, expanded, label }: { text: string; reference: string | null; expanded: boolean; label: string }) {
  const parts = useMemo(() => (reference === null ? null : wordDiff(reference, text)), [reference, text]);
  return (
    <pre className={cx(styles.text, expanded && styles.textExpanded)} aria-label={label} tabIndex={-1}>
      {parts === null
        ? text
        : parts.map((p, i) =>
            p.op === "same" ? (
              p.text
            ) : p.op === "add" ? (
              <mark key={i} className={styles.diffAdd}>
                {p.text}
              </mark>
            ) : null,
          )}
    </pre>
  );
});
