import type { ExportSource, ExportSplitChoice } from "@/lib/datasets/versions/export";
import { exportHref, sideLabel } from "./api";
import styles from "./versions.module.css";

const LABELS: Record<ExportSplitChoice, string> = { train: "train", validation: "validation", test: "test", all: "all" };

/** Plain download links (the browser streams the file; nothing goes through react-query). */
export function ExportLinks({ datasetId, source, splits }: { datasetId: string; source: ExportSource; splits: ExportSplitChoice[] }) {
  return (
    <span className={styles.exportLinks}>
      {splits.map((split) => (
        <a key={split} href={exportHref(datasetId, source, split)} download className={styles.exportLink} aria-label={`Download ${sideLabel(source)} ${split} JSONL`}>
          ↓ {LABELS[split]}
        </a>
      ))}
    </span>
  );
}
