import type { Metadata } from "next";
import { connection } from "next/server";
import { EvalRunsTable } from "@/components/eval/list/EvalRunsTable";
import { ButtonLink } from "@/components/ui/Button";
import { EmptyState } from "@/components/ui/EmptyState";
import { PageHeader } from "@/components/ui/PageHeader";
import { listEvalRuns } from "@/lib/eval/list";

export const metadata: Metadata = { title: "Evaluations" };

export default async function EvaluationsPage() {
  await connection();
  const runs = await listEvalRuns({ limit: 200 });
  return (
    <div className="stack">
      <PageHeader
        title="Evaluations"
        description="Side-by-side comparisons of a fine-tuned model against its baseline on held-out examples, with a judge's verdict in both orders."
        actions={<ButtonLink href="/evaluations/new" variant="primary">New evaluation</ButtonLink>}
      />
      {runs.length === 0 ? (
        <EmptyState
          icon="⚖"
          title="No evaluations yet — evaluate a finished job against its base model"
          actions={
            <>
              <ButtonLink href="/evaluations/new" variant="primary">New evaluation</ButtonLink>
              <ButtonLink href="/jobs">Go to jobs</ButtonLink>
            </>
          }
        >
          <p>
            An evaluation runs the fine-tuned model and the model it started from on the validation examples of the
            same dataset version, then compares the answers. Put a few examples on the validation split before you
            train, so there is something neither model has seen.
          </p>
        </EmptyState>
      ) : (
        <EvalRunsTable runs={runs} />
      )}
    </div>
  );
}
