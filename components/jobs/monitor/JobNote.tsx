"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { apiFetch, messageOf } from "@/components/api-client";
import { Button } from "@/components/ui/Button";
import { Notice } from "@/components/ui/Notice";
import { mergeLiveMessage } from "@/lib/jobs/monitor/merge";
import type { JobSummary, JobView } from "@/lib/jobs/types";
import { jobQueryKey } from "./useJobStream";
import styles from "./monitor.module.css";

// The team's note on a job (PATCH /api/jobs/<id>): what it showed and what to try next. Shown in the jobs list and
// on the compare page too.

const MAX = 2000;

export function JobNote({ jobId, note }: { jobId: string; note: string | null }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function save() {
    if (draft === null) return;
    setBusy(true);
    setError(null);
    try {
      const { job } = await apiFetch<{ job: JobSummary }>(`/api/jobs/${encodeURIComponent(jobId)}`, { method: "PATCH", body: { note: draft } });
      queryClient.setQueryData<JobView>(jobQueryKey(jobId), (v) => (v ? mergeLiveMessage(v, { type: "job", job }) : v));
      setDraft(null);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  if (draft !== null) {
    return (
      <div className={styles.note} data-testid="job-note-editor">
        <label htmlFor="job-note" className="visually-hidden">
          Note on this job
        </label>
        <textarea id="job-note" className="input" rows={3} maxLength={MAX} value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="What this run showed, what to try next" autoFocus />
        <div className="row">
          <Button variant="primary" size="sm" onClick={() => void save()} disabled={busy}>
            {busy ? "Saving…" : "Save note"}
          </Button>
          <Button variant="ghost" size="sm" onClick={() => { setDraft(null); setError(null); }} disabled={busy}>
            Cancel
          </Button>
          <span className="muted">{draft.length} / {MAX}</span>
        </div>
        {error ? <Notice tone="danger">{error}</Notice> : null}
      </div>
    );
  }
  return note ? (
    <div className={styles.note}>
      <p className={styles.noteText} data-testid="job-note">
        {note}
      </p>
      <Button variant="ghost" size="sm" onClick={() => setDraft(note)}>
        Edit note
      </Button>
    </div>
  ) : (
    <div>
      <Button variant="ghost" size="sm" onClick={() => setDraft("")}>
        Add a note
      </Button>
    </div>
  );
}
