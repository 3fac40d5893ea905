"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch, messageOf } from "@/components/api-client";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import type { DeletedJob } from "@/lib/jobs/delete";

// Deleting jobs (DELETE /api/jobs/<id>, one request per job) from the job page or the jobs list's selection — a
// sweep's runs that lost, failed experiments. Each job the server refuses (still running, an evaluation of it
// running) is named with the reason, and the others still go. `after`: where to go once done (the job page goes
// back to the list; the list re-renders).

type DeletableJob = { id: string; name: string; fineTunedModel: string | null };

export function DeleteJobsButton({ jobs, after, label = "Delete", onDeleted }: { jobs: DeletableJob[]; after: "list" | "refresh"; label?: string; onDeleted?: (ids: string[]) => void }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const one = jobs.length === 1;
  // Said before anything is deleted: tuneforge cannot delete a model from the OpenAI organization for you.
  const onOpenAI = jobs.flatMap((j) => (j.fineTunedModel ? [j.fineTunedModel] : []));

  async function remove() {
    setBusy(true);
    setError(null);
    const refused: string[] = [];
    const deleted: string[] = [];
    for (const j of jobs) {
      try {
        deleted.push((await apiFetch<{ deleted: DeletedJob }>(`/api/jobs/${encodeURIComponent(j.id)}`, { method: "DELETE" })).deleted.id);
      } catch (err) {
        refused.push(`${j.name}: ${messageOf(err)}`);
      }
    }
    setBusy(false);
    onDeleted?.(deleted);
    if (refused.length) {
      setError(`${refused.length === jobs.length ? "Nothing was deleted" : `${jobs.length - refused.length} deleted; not deleted`}: ${refused.join(" ")}`);
      router.refresh();
      return;
    }
    setOpen(false);
    if (after === "list") router.push("/jobs");
    else router.refresh();
  }

  return (
    <>
      <Button variant="danger-ghost" onClick={() => setOpen(true)} disabled={jobs.length === 0}>
        {label}
      </Button>
      <ConfirmDialog
        open={open}
        title={one ? "Delete this job?" : `Delete ${jobs.length} jobs?`}
        confirmLabel={one ? "Delete job" : `Delete ${jobs.length} jobs`}
        busyLabel="Deleting…"
        busy={busy}
        error={error}
        onConfirm={() => void remove()}
        onCancel={() => setOpen(false)}
      >
        {!one ? (
          <ul>
            {jobs.map((j) => (
              <li key={j.id} className="mono">
                {j.name}
              </li>
            ))}
          </ul>
        ) : null}
        <p>Curves, events, checkpoints and a local job&apos;s adapter and exports are removed for good. Evaluations keep their results.</p>
        {onOpenAI.length ? (
          <p>
            {onOpenAI.length === 1 ? "The fine-tuned model" : "The fine-tuned models"} <span className="mono">{onOpenAI.join(", ")}</span> stay{onOpenAI.length === 1 ? "s" : ""} in your
            OpenAI organization: delete {onOpenAI.length === 1 ? "it" : "them"} there if no longer needed.
          </p>
        ) : null}
      </ConfirmDialog>
    </>
  );
}
