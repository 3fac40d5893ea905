"use client";

import { useEffect, useId, useRef, useState } from "react";
import type { ExportSource, ExportSplitChoice } from "@/lib/datasets/versions/export";
import { exportHref, sideLabel } from "./api";
import styles from "./versions.module.css";

const placeUnder = (rect: DOMRect) => ({ top: rect.bottom + 4, right: window.innerWidth - rect.right });

/** A compact "Export ▾" button that opens the download links of one version (one per split). */
export function ExportMenu({ datasetId, source, splits }: { datasetId: string; source: ExportSource; splits: ExportSplitChoice[] }) {
  // Where the list opens, in viewport coordinates: the table scrolls inside an overflow frame that would clip
  // an absolutely placed list, so the list is fixed-positioned under the button instead.
  const [open, setOpen] = useState<{ top: number; right: number } | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuId = useId();

  // Close on a click elsewhere or Escape, like any menu.
  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(null);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setOpen(null);
    };
    // A fixed list would drift from its button on scroll, so it follows it.
    const onScroll = () => {
      const rect = buttonRef.current?.getBoundingClientRect();
      if (rect) setOpen(placeUnder(rect));
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey);
    window.addEventListener("scroll", onScroll, true);
    window.addEventListener("resize", onScroll);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey);
      window.removeEventListener("scroll", onScroll, true);
      window.removeEventListener("resize", onScroll);
    };
  }, [open]);

  return (
    <div className={styles.menu} ref={ref}>
      <button
        ref={buttonRef}
        type="button"
        className={styles.menuButton}
        aria-expanded={open !== null}
        aria-controls={menuId}
        aria-label={`Export ${sideLabel(source)}`}
        onClick={(e) => {
          const rect = e.currentTarget.getBoundingClientRect();
          setOpen((o) => (o ? null : placeUnder(rect)));
        }}
      >
        Export ▾
      </button>
      {open ? (
        <ul id={menuId} className={styles.menuList} style={{ top: open.top, right: open.right }}>
          {splits.map((split) => (
            <li key={split}>
              <a href={exportHref(datasetId, source, split)} download aria-label={`Download ${sideLabel(source)} ${split} JSONL`} onClick={() => setOpen(null)}>
                {split === "all" ? "All (train + validation)" : `${split[0]!.toUpperCase()}${split.slice(1)}`}
                <span className="muted"> .jsonl</span>
              </a>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
