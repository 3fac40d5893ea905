import type { Metadata } from "next";
import { connection } from "next/server";
import { CompareCharts, type CompareJob } from "@/components/jobs/monitor/CompareCharts";
import { CompareTable } from "@/components/jobs/monitor/CompareTable";
import { EvaluateJobsButton } from "@/components/jobs/monitor/EvaluateJobsButton";
import { RefreshWhileRunning } from "@/components/jobs/monitor/RefreshWhileRunning";
import { ButtonLink } from "@/components/ui/Button";
import { Notice } from "@/components/ui/Notice";
import { PageHeader } from "@/components/ui/PageHeader";
import { HttpError } from "@/lib/http/errors";
import { compareRows, latestEvaluations } from "@/lib/jobs/compare";
import { prisma } from "@/lib/db/client";
import { parseCompareIds } from "@/lib/jobs/monitor/list-filters";
import { isTerminalJobStatus, jobDisplayName } from "@/lib/jobs/types";
import { loadJobView } from "@/lib/jobs/view";

export const metadata: Metadata = { title: "Compare jobs" };

/** "tiny-chat · lr=0.01 · support v2": the job's name, then its data (jobs of one sweep differ only by suffix). */
function jobName(j: Parameters<typeof jobDisplayName>[0] & { dataset: { datasetName: string; versionNumber: number } | null }): string {
  return `${jobDisplayName(j)}${!j.fineTunedModel && j.dataset ? ` · ${j.dataset.datasetName} v${j.dataset.versionNumber}` : ""}`;
}

export default async function ComparePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const ids = parseCompareIds((await searchParams).ids);
  const loaded = await Promise.all(
    ids.map((id) =>
      loadJobView(id).catch((err: unknown) => {
        if (err instanceof HttpError && err.status === 404) return null;
        throw err;
      }),
    ),
  );
  const missing = ids.filter((_, i) => loaded[i] === null);
  const views = loaded.filter((v) => v !== null);
  // Evaluations of these jobs still running keep the page refreshing, so their rows appear when they finish.
  const evaluating = await prisma().evalRun.count({ where: { jobId: { in: views.map((v) => v.id) }, status: { in: ["queued", "running"] } } });
  const jobs: CompareJob[] = views.map((v) => ({ id: v.id, name: jobName(v), status: v.status, metrics: v.metrics }));
  return (
    <div className="stack">
      <PageHeader title="Compare jobs" back={{ href: "/jobs", label: "Jobs" }} description="Loss and accuracy curves of several jobs on the same axes, and the settings each was launched with: the ones that differ are the experiment." />
      {missing.length ? <Notice tone="warn">No job with id {missing.join(", ")}.</Notice> : null}
      {jobs.length < 2 ? (
        <Notice tone="info" title="Pick at least two jobs">
          <p>Select jobs in the list and press Compare.</p>
          <ButtonLink href="/jobs">Go to the jobs list</ButtonLink>
        </Notice>
      ) : (
        <>
          <RefreshWhileRunning active={views.some((v) => !isTerminalJobStatus(v.status)) || evaluating > 0} />
          <CompareCharts jobs={jobs} />
          <CompareTable jobs={jobs.map(({ id, name, status }) => ({ id, name, status }))} rows={compareRows(views, await latestEvaluations(prisma(), views.map((v) => v.id)))} />
          <EvaluateJobsButton
            jobs={views.map((v, i) => ({
              id: v.id,
              name: jobs[i]!.name,
              status: v.status,
              provider: v.provider,
              baseModel: v.baseModel,
              fineTunedModel: v.fineTunedModel,
              datasetVersionId: v.dataset?.versionId ?? null,
              validationCount: v.dataset?.validationCount ?? 0,
            }))}
          />
        </>
      )}
    </div>
  );
}
