import type { Metadata } from "next";
import { connection } from "next/server";
import { LaunchForm } from "@/components/jobs/launch/LaunchForm";
import { RelaunchNotice } from "@/components/jobs/launch/RelaunchNotice";
import { WindDownBanner } from "@/components/overview/WindDownBanner";
import { ButtonLink } from "@/components/ui/Button";
import { EmptyState } from "@/components/ui/EmptyState";
import { Notice } from "@/components/ui/Notice";
import { PageHeader } from "@/components/ui/PageHeader";
import { listLaunchOptions, pickInitialVersion } from "@/lib/jobs/launch/options";
import { relaunchDraft } from "@/lib/jobs/launch/relaunch";

export const metadata: Metadata = { title: "Launch a job" };

/** ?from=<job id>: "Launch again", the form filled in with that job's settings (lib/jobs/launch/relaunch.ts). */
/** &provider=local with it: an OpenAI job's data and settings for a local job ("Train locally instead"). */
type Props = { searchParams: Promise<{ datasetVersion?: string; dataset?: string; version?: string; from?: string; provider?: string }> };

export default async function NewJobPage({ searchParams }: Props) {
  await connection();
  const query = await searchParams;
  const draft = query.from ? await relaunchDraft(query.from) : null;
  // The job's version is offered even when it is older than the newest 500; a link's own choice comes first.
  const linkedVersion = query.datasetVersion ?? draft?.datasetVersionId ?? undefined;
  const options = await listLaunchOptions({ linked: { datasetVersion: linkedVersion, dataset: query.dataset } });
  const initial = pickInitialVersion(options.versions, { ...query, datasetVersion: linkedVersion });
  return (
    <div className="stack">
      <PageHeader
        back={{ href: "/jobs", label: "Jobs" }}
        title="Launch a fine-tuning job"
        description="Train on a frozen dataset version: on OpenAI (the estimate is what OpenAI will bill, before you spend anything) or locally with the native QLoRA trainer on your own GPU or CPU (the estimate counts tokens with the model's own tokenizer and shows the memory it needs)."
      />
      <WindDownBanner />
      {draft ? <RelaunchNotice from={draft.from} notes={draft.notes} /> : null}
      {query.from && !draft ? (
        <Notice tone="warn" title="No such job">
          There is no job {query.from} to copy settings from; the form starts from the defaults.
        </Notice>
      ) : null}
      {initial ? (
        <LaunchForm options={options} initialVersionId={initial} draft={draft ?? undefined} provider={query.provider === "local" || query.provider === "openai" ? query.provider : undefined} />
      ) : (
        <EmptyState icon="❄" title="Freeze a dataset version first" actions={<ButtonLink href="/datasets" variant="primary">Choose a dataset</ButtonLink>}>
          <p>A job trains on a frozen version, so the data behind a model never changes. Open a dataset, then Splits &amp; versions → Freeze.</p>
        </EmptyState>
      )}
    </div>
  );
}
