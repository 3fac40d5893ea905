"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { apiFetch, messageOf } from "@/components/api-client";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Notice } from "@/components/ui/Notice";
import { planEvaluations, type EvaluableJob } from "@/lib/jobs/compare/evaluate-all";

// The compare page's "Evaluate each against its base model": one evaluation per job (POST /api/evals each), so
// the table lines up held-out metrics beside the training curves. The page re-renders while they run.

type Outcome = { started: { name: string; runId: string }[]; failed: string[]; skipped: string[] };

export function EvaluateJobsButton({ jobs }: { jobs: EvaluableJob[] }) {
  const router = useRouter();
  const plan = useMemo(() => planEvaluations(jobs), [jobs]);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  async function start() {
    setBusy(true);
    const result: Outcome = { started: [], failed: [], skipped: plan.skipped.map((s) => `${s.name}: ${s.why}`) };
    for (const r of plan.requests) {
      try {
        const { runs } = await apiFetch<{ runs: { id: string }[] }>("/api/evals", { method: "POST", body: r.body });
        result.started.push({ name: r.name, runId: runs[0]!.id });
      } catch (err) {
        result.failed.push(`${r.name}: ${messageOf(err)}`);
      }
    }
    setBusy(false);
    setOpen(false);
    setOutcome(result);
    router.refresh();
  }

  return (
    <div className="stack">
      <div>
        <Button variant="secondary" onClick={() => setOpen(true)} disabled={plan.requests.length === 0}>
          Evaluate each against its base model
        </Button>
      </div>
      {outcome ? (
        <div data-testid="evaluate-outcome">
          <Notice tone={outcome.failed.length ? "warn" : "ok"} title={`${outcome.started.length} evaluation${outcome.started.length === 1 ? "" : "s"} started`}>
            <ul>
              {outcome.started.map((s) => (
                <li key={s.runId}>
                  <Link href={`/evaluations/${encodeURIComponent(s.runId)}`}>{s.name}</Link>
                </li>
              ))}
              {[...outcome.failed, ...outcome.skipped].map((line) => (
                <li key={line}>Not evaluated: {line}</li>
              ))}
            </ul>
          </Notice>
        </div>
      ) : null}
      <ConfirmDialog
        open={open}
        title={`Evaluate ${plan.requests.length} job${plan.requests.length === 1 ? "" : "s"}?`}
        confirmLabel={`Start ${plan.requests.length} evaluation${plan.requests.length === 1 ? "" : "s"}`}
        busyLabel="Starting…"
        tone="primary"
        busy={busy}
        onConfirm={() => void start()}
        onCancel={() => setOpen(false)}
      >
        <p>
          Each job&apos;s model against the model it was trained from, on its version&apos;s validation split, scored by the metrics (no judge). Local jobs generate on a GPU worker, in line with
          training; OpenAI jobs call OpenAI, which bills both sides&apos; tokens.
        </p>
        {plan.skipped.length ? (
          <ul>
            {plan.skipped.map((s) => (
              <li key={s.name}>
                Left out: {s.name} ({s.why})
              </li>
            ))}
          </ul>
        ) : null}
      </ConfirmDialog>
    </div>
  );
}
