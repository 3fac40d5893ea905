"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { apiFetch, messageOf } from "@/components/api-client";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { mergeLiveMessage } from "@/lib/jobs/monitor/merge";
import type { JobSummary, JobView } from "@/lib/jobs/types";
import { jobQueryKey } from "./useJobStream";

// Cancelling asks the provider to stop; the job goes to "cancelling" and the stream reports the end.

function summaryOf(body: unknown): JobSummary | null {
  const candidate = body && typeof body === "object" && "job" in body ? (body as { job: unknown }).job : body;
  return candidate && typeof candidate === "object" && "id" in candidate && "status" in candidate ? (candidate as JobSummary) : null;
}

export function CancelJobButton({ jobId, disabled, local }: { jobId: string; disabled?: boolean; local?: boolean }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function cancel() {
    setBusy(true);
    setError(null);
    try {
      const body = await apiFetch<unknown>(`/api/jobs/${encodeURIComponent(jobId)}/cancel`, { method: "POST", body: {} });
      const job = summaryOf(body);
      if (job) queryClient.setQueryData<JobView>(jobQueryKey(jobId), (v) => (v ? mergeLiveMessage(v, { type: "job", job }) : v));
      setOpen(false);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Button variant="danger-ghost" onClick={() => setOpen(true)} disabled={disabled}>
        Cancel job
      </Button>
      <ConfirmDialog
        open={open}
        title="Cancel this fine-tuning job?"
        confirmLabel="Cancel job"
        busyLabel="Cancelling…"
        busy={busy}
        error={error}
        onConfirm={() => void cancel()}
        onCancel={() => setOpen(false)}
      >
        {local ? (
          <p>The GPU worker stops at the next step; the last checkpoint is kept as a loadable adapter.</p>
        ) : (
          <p>The provider stops training; tokens already trained are still billed, and no model is produced.</p>
        )}
      </ConfirmDialog>
    </>
  );
}
