import type { Metadata } from "next";
import { connection } from "next/server";
import { EvalRunsTable } from "@/components/eval/list/EvalRunsTable";
import { ButtonLink } from "@/components/ui/Button";
import { EmptyState } from "@/components/ui/EmptyState";
import { PageHeader } from "@/components/ui/PageHeader";
import { ListPager, rangeText } from "@/components/ui/ListPager";
import { listEvalRunsPage } from "@/lib/eval/list";
import { parseEvalCursor } from "@/lib/eval/list-cursor";

export const metadata: Metadata = { title: "Evaluations" };

// ?before=<cursor> shows the runs after a page's last one; a cursor the list cannot have written is dropped (a stale
// link still opens the newest page).
export default async function EvaluationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const raw = (await searchParams).before;
  const before = typeof raw === "string" && parseEvalCursor(raw) ? raw : undefined;
  const page = await listEvalRunsPage({ limit: 200, before });
  const { runs } = page;
  return (
    <div className="stack">
      <PageHeader
        title="Evaluations"
        description="Side-by-side comparisons of a fine-tuned model against its baseline on held-out examples, with a judge's verdict in both orders."
        actions={<ButtonLink href="/evaluations/new" variant="primary">New evaluation</ButtonLink>}
      />
      {page.total === 0 ? (
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
        <>
          {runs.length > 0 ? <EvalRunsTable runs={runs} /> : <p className="muted" role="status">No older evaluations.</p>}
          <ListPager
            label="Evaluation list pages"
            noun="evaluations"
            range={rangeText(page.newer + 1, runs.length, page.total, "evaluations")}
            newestHref={page.newer > 0 ? "/evaluations" : null}
            olderHref={page.older ? `/evaluations?before=${encodeURIComponent(page.older)}` : null}
          />
        </>
      )}
    </div>
  );
}
