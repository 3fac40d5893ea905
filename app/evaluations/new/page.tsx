import type { Metadata } from "next";
import { connection } from "next/server";
import { EvalForm } from "@/components/eval/form/EvalForm";
import type { EvalJobOption } from "@/components/eval/form/SpecPicker";
import { ButtonLink } from "@/components/ui/Button";
import { EmptyState } from "@/components/ui/EmptyState";
import { PageHeader } from "@/components/ui/PageHeader";
import { HttpError } from "@/lib/http/errors";
import { listLaunchOptions } from "@/lib/jobs/launch/options";
import { listJobs } from "@/lib/jobs/list";
import { loadJobView } from "@/lib/jobs/view";
import { prefillFromJob, type EvalPrefill } from "@/lib/eval/prefill";

export const metadata: Metadata = { title: "New evaluation" };

type Props = { searchParams: Promise<{ job?: string }> };

async function prefillFor(jobId: string | undefined): Promise<EvalPrefill | null> {
  if (!jobId) return null;
  const job = await loadJobView(jobId).catch((err: unknown) => {
    if (err instanceof HttpError && err.status === 404) return null;
    throw err;
  });
  return job ? prefillFromJob(job) : { candidate: `job:${jobId}`, baseline: "", split: "validation", jobId, datasetVersionId: null, problem: `No job with id ${jobId}.` };
}

export default async function NewEvaluationPage({ searchParams }: Props) {
  await connection();
  const query = await searchParams;
  // The job's own dataset version is offered even when it is older than the newest 500 (listLaunchOptions).
  const prefill = await prefillFor(query.job);
  const [options, jobs] = await Promise.all([
    listLaunchOptions({ linked: { datasetVersion: prefill?.datasetVersionId ?? undefined } }),
    listJobs({ status: ["succeeded"], limit: 200 }),
  ]);
  const jobOptions: EvalJobOption[] = jobs.map((j) => ({
    id: j.id,
    provider: j.provider,
    label: `job:${j.id} — ${j.fineTunedModel ?? `${j.baseModel} + adapter`}${j.dataset ? ` · ${j.dataset.datasetName} v${j.dataset.versionNumber}` : ""}`,
  }));
  const initialVersionId = prefill?.datasetVersionId ?? options.versions[0]?.id ?? null;
  return (
    <div className="stack">
      <PageHeader
        back={{ href: "/evaluations", label: "Evaluations" }}
        title="New evaluation"
        description="Run a candidate and a baseline on the same held-out examples, score both, and let a judge compare them side by side."
      />
      {initialVersionId ? (
        <EvalForm versions={options.versions} specOptions={{ jobs: jobOptions, openaiModels: options.models.map((m) => m.model) }} initialVersionId={initialVersionId} prefill={prefill} />
      ) : (
        <EmptyState icon="❄" title="Freeze a dataset version first" actions={<ButtonLink href="/datasets" variant="primary">Choose a dataset</ButtonLink>}>
          <p>An evaluation runs on a frozen version, so both models see exactly the same examples.</p>
        </EmptyState>
      )}
    </div>
  );
}
