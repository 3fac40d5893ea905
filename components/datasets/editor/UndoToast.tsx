"use client";

import type { QueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { createRoot, type Root } from "react-dom/client";
import { apiFetch, messageOf } from "@/components/api-client";
import { Button } from "@/components/ui/Button";
import { plural } from "@/components/ui/format";
import { datasetKeys } from "../workspace/contracts";
import styles from "./bulk.module.css";

// The "Deleted 12 examples. Undo" toast. The bulk bar disappears with the selection it acted on, so the toast
// lives in its own small React root on <body> and stays for its 10 seconds whatever the table does.

export const UNDO_TOAST_MS = 10_000;

type ToastProps = {
  message: string;
  datasetId: string;
  batchId: string;
  queryClient: QueryClient;
  onGone: () => void;
};

function UndoToast({ message, datasetId, batchId, queryClient, onGone }: ToastProps) {
  const [state, setState] = useState<{ text: string; error?: boolean; done?: boolean; busy?: boolean }>({ text: message });
  useEffect(() => {
    if (state.busy) return;
    const t = setTimeout(onGone, state.done || state.error ? 4_000 : UNDO_TOAST_MS);
    return () => clearTimeout(t);
  }, [state, onGone]);

  const undo = async () => {
    setState({ text: message, busy: true });
    try {
      const r = await apiFetch<{ restored: number; kind: string }>(`/api/datasets/${datasetId}/undo/${batchId}`, { method: "POST" });
      setState({ text: r.kind === "delete" ? `Restored ${plural(r.restored, "example")}.` : `Undone for ${plural(r.restored, "example")}.`, done: true });
      await queryClient.invalidateQueries({ queryKey: datasetKeys.all(datasetId) });
    } catch (err) {
      setState({ text: `Could not undo: ${messageOf(err)}`, error: true });
    }
  };

  return (
    <div className={styles.toast} role={state.error ? "alert" : "status"}>
      <span className={state.error ? styles.toastError : undefined}>{state.text}</span>
      {state.done || state.error ? null : (
        <Button size="sm" className={styles.toastUndo} onClick={undo} disabled={state.busy}>
          {state.busy ? "Undoing…" : "Undo"}
        </Button>
      )}
      <button type="button" className={styles.toastClose} aria-label="Dismiss" onClick={onGone}>
        ×
      </button>
    </div>
  );
}

let current: { root: Root; host: HTMLElement } | null = null;

/** Shows the undo toast for one action, replacing any earlier one. */
export function showUndoToast(props: Omit<ToastProps, "onGone">): void {
  hideUndoToast();
  const host = document.createElement("div");
  document.body.appendChild(host);
  const root = createRoot(host);
  const mine = { root, host };
  current = mine;
  root.render(<UndoToast {...props} onGone={() => current === mine && hideUndoToast()} />);
}

export function hideUndoToast(): void {
  if (!current) return;
  const { root, host } = current;
  current = null;
  // Unmounting during a render of the same root is not allowed; defer it.
  queueMicrotask(() => {
    root.unmount();
    host.remove();
  });
}
