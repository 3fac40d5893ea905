"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { apiFetch, messageOf } from "@/components/api-client";
import { Button } from "@/components/ui/Button";
import { Input } from "@/components/ui/Input";
import { Notice } from "@/components/ui/Notice";
import { formatInt, plural } from "@/components/ui/format";
import { datasetKeys, type BulkActionsBarProps } from "../workspace/contracts";
import styles from "./bulk.module.css";
import { showUndoToast } from "./UndoToast";

type Action = { action: "delete" } | { action: "tag" | "untag"; tags: string[] } | { action: "set_split"; split: "train" | "validation" | "test" };
type Result = { affected: number; undo: { batchId: string; expiresAt: string } };
type Open = "tag" | "untag" | "split" | null;

function describe(a: Action, affected: number): string {
  const n = plural(affected, "example");
  switch (a.action) {
    case "delete":
      return `Deleted ${n}.`;
    case "tag":
      return `Tagged ${n} “${a.tags.join(", ")}”.`;
    case "untag":
      return `Removed “${a.tags.join(", ")}” from ${n}.`;
    case "set_split":
      return `Moved ${n} to ${a.split}.`;
  }
}

/** Actions on the table's selection. Each can be undone for 10 s from the toast (and 24 h through the API). */
export function BulkActionsBar({ datasetId, selectedIds, onDone }: BulkActionsBarProps) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<Open>(null);
  const barRef = useRef<HTMLDivElement>(null);

  const run = useMutation({
    mutationFn: (a: Action) => apiFetch<Result>(`/api/datasets/${datasetId}/bulk`, { method: "POST", body: { ids: selectedIds, ...a } }),
    onSuccess: (result, a) => {
      setOpen(null);
      showUndoToast({ message: describe(a, result.affected), datasetId, batchId: result.undo.batchId, queryClient });
      void queryClient.invalidateQueries({ queryKey: datasetKeys.all(datasetId) });
      onDone();
    },
  });

  // A popover closes on Escape or a click outside the bar.
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpen(null);
    const onClick = (e: MouseEvent) => !barRef.current?.contains(e.target as Node) && setOpen(null);
    document.addEventListener("keydown", onKey);
    document.addEventListener("mousedown", onClick);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("mousedown", onClick);
    };
  }, [open]);

  const toggle = (which: Exclude<Open, null>) => {
    run.reset(); // a new attempt: the last error no longer applies
    setOpen((o) => (o === which ? null : which));
  };
  const busy = run.isPending;

  return (
    <div ref={barRef} className={styles.bar} role="toolbar" aria-label="Bulk actions">
      <span className={styles.count} aria-live="polite">
        {formatInt(selectedIds.length)} selected
      </span>
      <div className={styles.anchor}>
        <Button size="sm" aria-expanded={open === "tag"} disabled={busy} onClick={() => toggle("tag")}>
          Add tag…
        </Button>
        {open === "tag" ? <TagPopover verb="Add" onSubmit={(tags) => run.mutate({ action: "tag", tags })} busy={busy} /> : null}
      </div>
      <div className={styles.anchor}>
        <Button size="sm" aria-expanded={open === "untag"} disabled={busy} onClick={() => toggle("untag")}>
          Remove tag…
        </Button>
        {open === "untag" ? <TagPopover verb="Remove" onSubmit={(tags) => run.mutate({ action: "untag", tags })} busy={busy} /> : null}
      </div>
      <div className={styles.anchor}>
        <Button size="sm" aria-expanded={open === "split"} aria-haspopup="menu" disabled={busy} onClick={() => toggle("split")}>
          Set split <span aria-hidden="true">▾</span>
        </Button>
        {open === "split" ? (
          <div className={styles.popover}>
            <div className={styles.menu} role="menu" aria-label="Set split">
              {(["train", "validation", "test"] as const).map((split) => (
                <Button key={split} variant="ghost" size="sm" role="menuitem" onClick={() => run.mutate({ action: "set_split", split })}>
                  {split === "test" ? "test (held out)" : split}
                </Button>
              ))}
            </div>
          </div>
        ) : null}
      </div>
      <Button size="sm" variant="danger" disabled={busy} onClick={() => run.mutate({ action: "delete" })}>
        Delete
      </Button>
      <span className={styles.spacer} />
      <Button size="sm" variant="ghost" onClick={onDone} disabled={busy}>
        Clear selection
      </Button>
      {run.error ? (
        <div className={styles.error}>
          <Notice tone="danger">{messageOf(run.error)}</Notice>
        </div>
      ) : null}
    </div>
  );
}

function TagPopover({ verb, onSubmit, busy }: { verb: "Add" | "Remove"; onSubmit: (tags: string[]) => void; busy: boolean }) {
  const id = useId();
  const [text, setText] = useState("");
  const tags = text.split(",").map((t) => t.trim()).filter(Boolean);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (tags.length) onSubmit(tags);
  };
  return (
    <div className={styles.popover}>
      <label htmlFor={id}>{verb === "Add" ? "Tag to add" : "Tag to remove"}</label>
      <form onSubmit={submit}>
        <Input id={id} value={text} autoFocus placeholder="e.g. billing" onChange={(e) => setText(e.target.value)} />
        <Button type="submit" variant="primary" size="sm" disabled={busy || tags.length === 0}>
          {verb}
        </Button>
      </form>
      <span className="muted" style={{ fontSize: "0.8rem" }}>
        Separate several tags with commas.
      </span>
    </div>
  );
}
