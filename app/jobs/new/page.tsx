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
  const [options, query] = await Promise.all([listLaunchOptions(), searchParams]);
  const initial = pickInitialVersion(options.versions, query);
  return (
    <div className="stack">
      <PageHeader
        back={{ href: "/jobs", label: "Jobs" }}
        title="Launch a fine-tuning job"
        description="Train an OpenAI model on a frozen dataset version. The estimate below is what OpenAI will bill for training, before you spend anything."
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
