"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { apiFetch, ApiError, messageOf } from "@/components/api-client";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { formatInt, plural } from "@/components/ui/format";
import { Notice } from "@/components/ui/Notice";
import { datasetKeys, type ExampleEditorProps } from "../workspace/contracts";
import { buildDraft, draftFrom, patchFrom, type Draft, type EditorExampleData } from "./draft";
import styles from "./editor.module.css";
import { ExampleSettings } from "./ExampleSettings";
import { IssueList } from "./IssueList";
import { MessageList } from "./MessageList";
import { showUndoToast } from "./UndoToast";
import { ExampleTokenPreview } from "../../tokens/ExampleTokenPreview";
import { useTokenCount } from "./useTokenCount";

type Props = Omit<ExampleEditorProps, "exampleId"> & { example: EditorExampleData };

/** After a save, the draft becomes the saved row but keeps its message keys, so focus stays where it was. */
function rebase(old: Draft, saved: EditorExampleData): Draft {
  const next = draftFrom(saved);
  const keep = (a: Draft["messages"], b: Draft["messages"]) => (a.length === b.length ? b.map((m, i) => ({ ...m, key: a[i]!.key })) : b);
  return { ...next, messages: keep(old.messages, next.messages), preferred: keep(old.preferred, next.preferred), nonPreferred: keep(old.nonPreferred, next.nonPreferred) };
}

function inTextField(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
}

export function EditorForm({ datasetId, example, onClose, onNavigate }: Props) {
  const queryClient = useQueryClient();
  const [base, setBase] = useState(example);
  const [draft, setDraft] = useState(() => draftFrom(example));
  const [savedNote, setSavedNote] = useState<string | null>(null);
  // The action (close, step to another row, reload) waiting for "Discard changes?".
  const [pending, setPending] = useState<{ run: () => void } | null>(null);
  const drawerRef = useRef<HTMLDivElement>(null);

  const { patch, problems } = useMemo(() => patchFrom(draft, base), [draft, base]);
  const built = useMemo(() => buildDraft(draft, base), [draft, base]);
  const dirty = Object.keys(patch).length > 0;
  const problemList = Object.entries(problems);
  const n = base.position + 1;

  const counted = [...built.messages, ...(built.preference?.preferred_output ?? []), ...(built.preference?.non_preferred_output ?? [])];
  const tokens = useTokenCount(datasetId, counted, built.tools);
  const per = tokens.data?.perMessage.length === counted.length ? tokens.data.perMessage : [];
  const sizes = [draft.messages.length, draft.preferred.length, draft.nonPreferred.length] as const;
  const tokensOf = (offset: number, count: number) => Array.from({ length: count }, (_, i) => per[offset + i]);
  // DPO trains on prompt + each output; the total shown is prompt + preferred output.
  const total =
    tokens.data && per.length
      ? base.kind === "chat"
        ? tokens.data.tokens
        : tokens.data.tokens - per.slice(sizes[0] + sizes[1]).reduce((a, b) => a + b, 0)
      : undefined;

  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      apiFetch<{ example: EditorExampleData }>(`/api/datasets/${datasetId}/examples/${base.id}`, {
        method: "PATCH",
        body: { ...body, expectedUpdatedAt: base.updatedAt },
      }),
    onSuccess: ({ example: saved }) => {
      setBase(saved);
      setDraft((d) => rebase(d, saved));
      setSavedNote(
        saved.errorCount + saved.warningCount === 0
          ? "Saved. Re-validated: no errors or warnings."
          : `Saved. Re-validated: ${plural(saved.errorCount, "error")}, ${plural(saved.warningCount, "warning")}.`,
      );
      queryClient.setQueryData(datasetKeys.example(datasetId, saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: datasetKeys.all(datasetId) });
    },
  });

  // Undoable like a bulk delete, so no confirmation: the toast offers Undo for 10 s.
  const remove = useMutation({
    mutationFn: () => apiFetch<{ undo: { batchId: string } }>(`/api/datasets/${datasetId}/examples/${base.id}`, { method: "DELETE" }),
    onSuccess: ({ undo }) => {
      showUndoToast({ message: `Deleted example ${formatInt(n)}.`, datasetId, batchId: undo.batchId, queryClient });
      void queryClient.invalidateQueries({ queryKey: datasetKeys.all(datasetId) });
      onClose();
    },
  });

  const canSave = dirty && problemList.length === 0 && !save.isPending;
  const trySave = () => {
    if (canSave) {
      setSavedNote(null);
      save.mutate(patch);
    }
  };
  const guarded = (run: () => void) => (dirty ? setPending({ run }) : run());
  const step = (delta: -1 | 1) => onNavigate && guarded(() => onNavigate(delta));

  // One document listener that always sees the latest state (the ref is refreshed every render).
  const keys = useRef<(e: KeyboardEvent) => void>(() => {});
  keys.current = (e) => {
    if (pending) return; // the discard dialog handles its own keys
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === "s") {
      e.preventDefault();
      trySave();
    } else if (e.key === "Escape") {
      e.preventDefault();
      guarded(onClose);
    } else if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      e.preventDefault();
      step(e.key === "ArrowUp" ? -1 : 1);
    } else if (!mod && !e.altKey && !inTextField(e.target) && (e.key === "j" || e.key === "k")) {
      step(e.key === "j" ? 1 : -1);
    }
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => keys.current(e);
    document.addEventListener("keydown", onKey);
    drawerRef.current?.focus();
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const update = (changes: Partial<Draft>) => {
    setSavedNote(null);
    setDraft((d) => ({ ...d, ...changes }));
  };
  const conflict = save.error instanceof ApiError && save.error.status === 409;
  const limit = tokens.data?.limit;

  return (
    <div ref={drawerRef} className={styles.drawer} role="dialog" aria-modal="false" aria-label={`Edit example ${n}`} tabIndex={-1}>
      <header className={styles.header}>
        <div className={styles.title}>
          <h2>Example {formatInt(n)}</h2>
          {base.kind === "preference" ? <Badge tone="info">DPO</Badge> : null}
          <Badge tone={base.errorCount ? "danger" : base.warningCount ? "warn" : "ok"}>
            {base.errorCount ? plural(base.errorCount, "error") : base.warningCount ? plural(base.warningCount, "warning") : "valid"}
          </Badge>
        </div>
        <div className={styles.navButtons}>
          <Button variant="ghost" className={styles.iconButton} aria-label="Previous example" title="Previous (Alt+↑ or K)" disabled={!onNavigate} onClick={() => step(-1)}>
            ↑
          </Button>
          <Button variant="ghost" className={styles.iconButton} aria-label="Next example" title="Next (Alt+↓ or J)" disabled={!onNavigate} onClick={() => step(1)}>
            ↓
          </Button>
          <Button variant="ghost" className={styles.iconButton} aria-label="Close editor" title="Close (Esc)" onClick={() => guarded(onClose)}>
            ✕
          </Button>
        </div>
      </header>

      <div className={styles.body}>
        <section className={styles.section} aria-labelledby="editor-findings">
          <div className={styles.sectionHead}>
            <h3 id="editor-findings">Findings</h3>
            <span className={styles.hint}>{dirty ? "Of the saved version; saving re-validates" : "Saving re-validates this example"}</span>
          </div>
          <IssueList issues={base.issues} />
        </section>

        <MessageList
          title={base.kind === "preference" ? "Prompt messages" : "Messages"}
          group="messages"
          weights={base.kind === "chat"}
          messages={draft.messages}
          tokens={tokensOf(0, sizes[0])}
          problems={problems}
          onChange={(messages) => update({ messages })}
        />
        {base.kind === "preference" ? (
          <>
            <MessageList
              title="Preferred output"
              group="preferred"
              hint="The reply to reinforce"
              messages={draft.preferred}
              tokens={tokensOf(sizes[0], sizes[1])}
              problems={problems}
              onChange={(preferred) => update({ preferred })}
            />
            <MessageList
              title="Non-preferred output"
              group="nonPreferred"
              hint="The reply to move away from"
              messages={draft.nonPreferred}
              tokens={tokensOf(sizes[0] + sizes[1], sizes[2])}
              problems={problems}
              onChange={(nonPreferred) => update({ nonPreferred })}
            />
          </>
        ) : null}

        <ExampleSettings kind={base.kind} draft={draft} savedSplit={base.split} splitManual={base.splitManual} problems={problems} update={update} />
        <ExampleTokenPreview messages={[...built.messages, ...(built.preference?.preferred_output ?? [])]} tools={built.tools} sectionClassName={styles.section} />
      </div>

      <footer className={styles.footer}>
        <div className={styles.footerStatus} aria-live="polite">
          <div title={tokens.data ? `Counted with the ${tokens.data.model} tokenizer; its per-example limit is ${formatInt(tokens.data.limit)}` : undefined}>
            <strong aria-label="Total tokens" className={total !== undefined && limit !== undefined && total > limit ? styles.overLimit : undefined}>
              {total === undefined ? "…" : formatInt(total)}
            </strong>
            {limit !== undefined ? ` / ${formatInt(limit)} tokens` : " tokens"}
            {tokens.error ? <span className={styles.overLimit}> · count failed: {messageOf(tokens.error)}</span> : null}
            {total !== undefined && limit !== undefined && total > limit ? <span className={styles.overLimit}> · over the limit, will be truncated</span> : null}
          </div>
          <div>
            {save.isPending
              ? "Saving…"
              : problemList.length
                ? `Fix ${plural(problemList.length, "JSON error")} before saving`
                : dirty
                  ? "Unsaved changes · Ctrl+S saves"
                  : (savedNote ?? "No changes")}
          </div>
        </div>
        <Button variant="danger-ghost" onClick={() => remove.mutate()} disabled={remove.isPending || save.isPending}>
          {remove.isPending ? "Deleting…" : "Delete"}
        </Button>
        {dirty ? (
          <Button variant="ghost" onClick={() => setPending({ run: () => setDraft(draftFrom(base)) })}>
            Revert
          </Button>
        ) : null}
        <Button variant="primary" disabled={!canSave} onClick={trySave} aria-busy={save.isPending || undefined}>
          {save.isPending ? "Saving…" : "Save"}
        </Button>
      </footer>
      {remove.error ? (
        <div className={styles.saveError}>
          <Notice tone="danger" title="Not deleted">
            {messageOf(remove.error)}
          </Notice>
        </div>
      ) : null}
      {save.error ? (
        <div className={styles.saveError}>
          <Notice tone="danger" title="Not saved. Your edits are still here.">
            {messageOf(save.error)}
            {conflict ? (
              <div style={{ marginTop: "0.5rem" }}>
                <Button size="sm" onClick={() => setPending({ run: () => void reload() })}>
                  Load the latest version
                </Button>
              </div>
            ) : null}
          </Notice>
        </div>
      ) : null}

      <ConfirmDialog
        open={pending !== null}
        title="Discard unsaved changes?"
        confirmLabel="Discard changes"
        onCancel={() => setPending(null)}
        onConfirm={() => {
          const run = pending?.run;
          setPending(null);
          run?.();
        }}
      >
        <p>Your edits to example {formatInt(n)} have not been saved.</p>
      </ConfirmDialog>
    </div>
  );

  async function reload() {
    const { example: latest } = await apiFetch<{ example: EditorExampleData }>(`/api/datasets/${datasetId}/examples/${base.id}`);
    save.reset();
    setBase(latest);
    setDraft(draftFrom(latest));
  }
}
