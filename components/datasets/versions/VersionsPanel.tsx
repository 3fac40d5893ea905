"use client";

import { useState } from "react";
import type { PanelProps } from "../workspace/contracts";
import type { DiffSide } from "./api";
import { DiffView } from "./DiffView";
import { FreezeCard } from "./FreezeCard";
import { SplitCard } from "./SplitCard";
import { VersionsTable } from "./VersionsTable";
import { WorkingExportCard } from "./WorkingExportCard";
import styles from "./versions.module.css";

/** The "Splits & versions" tab: split the working set, freeze it, list/compare/download versions. */
export function VersionsPanel({ datasetId }: PanelProps) {
  const [pair, setPair] = useState<{ from: DiffSide; to: DiffSide } | null>(null);
  return (
    <div className={styles.panel}>
      <div className={styles.top}>
        <SplitCard datasetId={datasetId} />
        <div className={styles.side}>
          <FreezeCard datasetId={datasetId} />
          <WorkingExportCard datasetId={datasetId} />
        </div>
      </div>
      <VersionsTable datasetId={datasetId} onCompare={setPair} />
      {pair ? <DiffView key={`${pair.from}-${pair.to}`} datasetId={datasetId} pair={pair} onClose={() => setPair(null)} /> : null}
    </div>
  );
}
