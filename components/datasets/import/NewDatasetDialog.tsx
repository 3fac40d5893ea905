"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { apiFetch, messageOf } from "../../api-client";
import { Button } from "../../ui/Button";
import { Field } from "../../ui/Field";
import { Input } from "../../ui/Input";
import { Notice } from "../../ui/Notice";

type Created = { dataset: { id: string; name: string } };

/** "New dataset": name and description, then straight to the new dataset's Import tab. */
export function NewDatasetButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="primary" onClick={() => setOpen(true)}>
        New dataset
      </Button>
      {open ? <NewDatasetDialog onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function NewDatasetDialog({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");

  useEffect(() => {
    ref.current?.showModal();
  }, []);

  const create = useMutation({
    mutationFn: () => apiFetch<Created>("/api/datasets", { method: "POST", body: { name, ...(description.trim() ? { description } : {}) } }),
    onSuccess: async (res) => {
      await queryClient.invalidateQueries({ queryKey: ["datasets"] });
      router.push(`/datasets/${encodeURIComponent(res.dataset.id)}?tab=import`);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) create.mutate();
  };

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        if (!create.isPending) onClose();
      }}
    >
      <form onSubmit={submit}>
        <div className="dialog-body stack">
          <h2 id={titleId}>New dataset</h2>
          <Field id="new-dataset-name" label="Name" hint="Unique; the CLI finds datasets by name (tuneforge import FILE --dataset NAME).">
            {(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} autoFocus required maxLength={200} placeholder="e.g. Support replies v2" />}
          </Field>
          <Field id="new-dataset-description" label="Description" optional>
            {(p) => <Input {...p} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} />}
          </Field>
          {create.error ? <Notice tone="danger">{messageOf(create.error)}</Notice> : null}
        </div>
        <div className="dialog-actions">
          <Button onClick={onClose} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" disabled={create.isPending || !name.trim()}>
            {create.isPending ? "Creating…" : "Create and import"}
          </Button>
        </div>
      </form>
    </dialog>
  );
}
