"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, type ReactNode } from "react";
import { apiFetch, messageOf } from "@/components/api-client";
import { Button } from "@/components/ui/Button";
import { Notice } from "@/components/ui/Notice";
import { datasetKeys, type ExampleEditorProps } from "../workspace/contracts";
import type { EditorExampleData } from "./draft";
import styles from "./editor.module.css";
import { EditorForm } from "./EditorForm";

/**
 * The message editor: a drawer beside the table for the example in `?example=`. It loads the whole row, then
 * EditorForm holds the working copy until Save (Ctrl/Cmd+S), which re-validates the row on the server.
 */
export function ExampleEditor({ datasetId, exampleId, onClose, onNavigate }: ExampleEditorProps) {
  const query = useQuery({
    queryKey: datasetKeys.example(datasetId, exampleId),
    queryFn: ({ signal }) => apiFetch<{ example: EditorExampleData }>(`/api/datasets/${datasetId}/examples/${exampleId}`, { signal }).then((r) => r.example),
    // The form keeps its own copy once loaded; a background refetch must not reset what the user is typing.
    refetchOnWindowFocus: false,
  });

  if (query.data) return <EditorForm datasetId={datasetId} example={query.data} onClose={onClose} onNavigate={onNavigate} />;

  return (
    <DrawerShell label="Edit example" onClose={onClose}>
      {query.error ? (
        <div className={styles.body}>
          <Notice tone="danger" title="Could not open this example">
            {messageOf(query.error)}
          </Notice>
        </div>
      ) : (
        <p className={styles.loading} role="status">
          Loading example…
        </p>
      )}
    </DrawerShell>
  );
}

/** The drawer frame while there is no form yet (loading, not found): Esc and the close button still work. */
function DrawerShell({ label, onClose, children }: { label: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div ref={ref} className={styles.drawer} role="dialog" aria-modal="false" aria-label={label} tabIndex={-1}>
      <div className={styles.header}>
        <div className={styles.title}>
          <h2>{label}</h2>
        </div>
        <Button variant="ghost" className={styles.iconButton} aria-label="Close editor" onClick={onClose}>
          ✕
        </Button>
      </div>
      {children}
    </div>
  );
}
