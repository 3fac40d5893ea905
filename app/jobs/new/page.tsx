import type { Metadata } from "next";
import { connection } from "next/server";
import { LaunchForm } from "@/components/jobs/launch/LaunchForm";
import { WindDownBanner } from "@/components/overview/WindDownBanner";
import { ButtonLink } from "@/components/ui/Button";
import { EmptyState } from "@/components/ui/EmptyState";
import { PageHeader } from "@/components/ui/PageHeader";
import { listLaunchOptions, pickInitialVersion } from "@/lib/jobs/launch/options";

export const metadata: Metadata = { title: "Launch a job" };

type Props = { searchParams: Promise<{ datasetVersion?: string; dataset?: string; version?: string }> };

export default async function NewJobPage({ searchParams }: Props) {
  await connection();
  const query = await searchParams;
  const options = await listLaunchOptions({ linked: { datasetVersion: query.datasetVersion, dataset: query.dataset } });
  const initial = pickInitialVersion(options.versions, query);
  return (
    <div className="stack">
      <PageHeader
        back={{ href: "/jobs", label: "Jobs" }}
        title="Launch a fine-tuning job"
        description="Train on a frozen dataset version: on OpenAI (the estimate is what OpenAI will bill, before you spend anything) or locally with the native QLoRA trainer on your own GPU or CPU (the estimate counts tokens with the model's own tokenizer and shows the memory it needs)."
      />
      <WindDownBanner />
      {initial ? (
        <LaunchForm options={options} initialVersionId={initial} />
      ) : (
        <EmptyState icon="❄" title="Freeze a dataset version first" actions={<ButtonLink href="/datasets" variant="primary">Choose a dataset</ButtonLink>}>
          <p>A job trains on a frozen version, so the data behind a model never changes. Open a dataset, then Splits &amp; versions → Freeze.</p>
        </EmptyState>
      )}
    </div>
  );
}
