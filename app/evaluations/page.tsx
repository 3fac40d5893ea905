import type { Metadata } from "next";
import { connection } from "next/server";
import { ButtonLink } from "@/components/ui/Button";
import { DateTime } from "@/components/ui/DateTime";
import { EmptyState } from "@/components/ui/EmptyState";
import { PageHeader } from "@/components/ui/PageHeader";
import { StatusBadge } from "@/components/ui/StatusBadge";
import { Table } from "@/components/ui/Table";
import { listRecentEvalRuns } from "@/lib/overview/recent";

export const metadata: Metadata = { title: "Evaluations" };

export default async function EvaluationsPage() {
  await connection();
  const runs = await listRecentEvalRuns();
  return (
    <div className="stack">
      <PageHeader
        title="Evaluations"
        description="Side-by-side comparisons of a fine-tuned model against its baseline on held-out examples, with a judge's verdict in both orders."
      />
      {runs.length === 0 ? (
        <EmptyState
          icon="⚖"
          title="No evaluations yet — evaluate a finished job against its base model"
          actions={<ButtonLink href="/jobs" variant="primary">Go to jobs</ButtonLink>}
        >
          <p>
            An evaluation runs the fine-tuned model and the model it started from on the validation examples of the
            same dataset version, then compares the answers. Put a few examples on the validation split before you
            train, so there is something neither model has seen.
          </p>
        </EmptyState>
      ) : (
        <Table caption="Evaluations">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Name</th>
              <th scope="col">Candidate</th>
              <th scope="col">Baseline</th>
              <th scope="col">Dataset</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id}>
                <td><StatusBadge status={r.status} /></td>
                <td>{r.name || <span className="muted">Untitled</span>}</td>
                <td className="mono">{r.candidateSpec}</td>
                <td className="mono">{r.baselineSpec}</td>
                <td>{r.datasetName}</td>
                <td><DateTime iso={r.createdAt} /></td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </div>
  );
}
