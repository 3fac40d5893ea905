"use client";

import { useState } from "react";
import type { PanelProps } from "../workspace/contracts";
import { ImportHistory, useImports } from "./ImportHistory";
import { ImportStatusCard } from "./ImportStatusCard";
import { UploadCard } from "./UploadCard";
import styles from "./import.module.css";

const OPEN = ["uploading", "importing", "needs_review"];

/** The Import tab: upload a file, follow its check and import, decide on lines that fail, see past imports. */
export function ImportPanel({ datasetId }: PanelProps) {
  const [chosen, setChosen] = useState<string | null | undefined>(undefined);
  const { data } = useImports(datasetId);
  // Until the user picks one, show the import still in progress or waiting for review, if any.
  const pending = data?.imports.find((i) => OPEN.includes(i.status))?.id ?? null;
  const current = chosen === undefined ? pending : chosen;

  return (
    <div className={styles.panel}>
      {current ? <ImportStatusCard key={current} datasetId={datasetId} importId={current} onClose={() => setChosen(null)} /> : null}
      <UploadCard datasetId={datasetId} onStarted={(imp) => setChosen(imp.id)} />
      <ImportHistory datasetId={datasetId} openId={current} onOpen={(id) => setChosen(id)} />
    </div>
  );
}
