"use client";

import { useState } from "react";
import styles from "./versions.module.css";

/** The first 12 hex digits (enough to tell versions apart) with a button that copies all 64. */
export function CopyHash({ sha256, label }: { sha256: string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <span className={styles.hash}>
      <code title={sha256}>{sha256.slice(0, 12)}</code>
      <button
        type="button"
        className={styles.copy}
        aria-label={`Copy sha256 of ${label}`}
        title={state === "failed" ? "The browser refused the clipboard; select the hash to copy it" : "Copy the full sha256"}
        onClick={() => {
          navigator.clipboard
            .writeText(sha256)
            .then(() => setState("copied"))
            .catch(() => setState("failed"));
          setTimeout(() => setState("idle"), 1500);
        }}
      >
        {state === "copied" ? "Copied" : state === "failed" ? "Select it" : "Copy"}
      </button>
    </span>
  );
}
