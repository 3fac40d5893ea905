import { formatInt } from "@/components/ui/format";
import { Notice } from "@/components/ui/Notice";
import type { AnalysisProgress } from "./types";
import styles from "./stats.module.css";

/** "Counting tokens… 41,000 / 100,000" while the background analysis runs, or why it stopped. */
export function AnalysisProgressBar({ progress, counted }: { progress: AnalysisProgress; counted: number }) {
  if (progress.error) return <Notice tone="danger" title="Analysis failed">{progress.error}</Notice>;
  const label = counted < progress.total ? `Counting tokens… ${formatInt(counted)} / ${formatInt(progress.total)}` : "Checking for duplicates and leakage…";
  return (
    <div className={styles.progress}>
      <div className={styles.progressLabel}>{label}</div>
      <progress className={styles.progressBar} max={Math.max(1, progress.total)} value={counted} aria-label={label} />
    </div>
  );
}
