import type { Metadata } from "next";
import { FineTuneGuide } from "@/components/costs/FineTuneGuide";
import { PriceTable } from "@/components/costs/PriceTable";
import { RoiCalculator } from "@/components/costs/RoiCalculator";
import styles from "@/components/costs/costs.module.css";
import { Card } from "@/components/ui/Card";
import { Notice } from "@/components/ui/Notice";
import { PageHeader } from "@/components/ui/PageHeader";
import { formatInt } from "@/components/ui/format";
import { initialRoiForm, roiPrefillForJob, type RoiPrefill } from "@/lib/cost/prefill";
import { listDatasets } from "@/lib/datasets/list";

export const metadata: Metadata = { title: "Costs" };

type SearchParams = Record<string, string | string[] | undefined>;
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

function JobNotice({ jobId, prefill }: { jobId: string; prefill: RoiPrefill | null }) {
  if (!prefill) {
    return (
      <Notice tone="warn" title={`No fine-tuning job with id “${jobId}”`}>
        The calculator starts from its defaults instead. Check the link, or open the job from the Jobs page.
      </Notice>
    );
  }
  const tokens =
    prefill.tokensFrom === "trained"
      ? `its ${formatInt(prefill.trainingTokens!)} trained tokens`
      : prefill.tokensFrom === "estimated"
        ? `the launch estimate of ${formatInt(prefill.trainingTokens!)} training tokens (the job has not finished)`
        : null;
  return (
    <Notice tone="info" title={`Prefilled from job ${prefill.jobId}`}>
      Model {prefill.baseModel}
      {tokens ? `, ${tokens}` : "; no token count is known for it yet, so training tokens keep their default"}.
    </Notice>
  );
}

export default async function CostsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const jobId = first(params.job)?.trim() || null;
  const [prefill, datasets] = await Promise.all([jobId ? roiPrefillForJob({ jobId }) : null, listDatasets()]);
  const datasetParam = first(params.dataset);
  const initialDataset = datasets.find((d) => d.id === datasetParam) ?? datasets.find((d) => d.isSample) ?? datasets[0] ?? null;

  return (
    <div className="stack">
      <PageHeader title="Costs" description="What training and using a fine-tuned model costs, whether it pays off, and whether you need it at all." />
      {jobId ? <JobNotice jobId={jobId} prefill={prefill} /> : null}
      <div className={styles.columns}>
        <Card id="roi" title="Return on investment" description="Does a fine-tuned model pay for its training? Change any number; the link keeps them.">
          <RoiCalculator initial={initialRoiForm(params, prefill)} baseline={initialRoiForm({}, prefill)} />
        </Card>
        <Card id="guide" title="Do you need fine-tuning?">
          <FineTuneGuide
            datasets={datasets.map((d) => ({ id: d.id, name: d.name, exampleCount: d.exampleCount }))}
            initialDatasetId={initialDataset?.id ?? null}
          />
        </Card>
      </div>
      <section aria-labelledby="prices-title" className="stack" style={{ gap: "0.75rem" }}>
        <h2 id="prices-title">Price table</h2>
        <PriceTable />
      </section>
      <Card title="How training is billed" level={2}>
        <p>
          Training cost = training tokens × epochs × the model&apos;s training price. Validation examples are not
          charged. With OpenAI&apos;s automatic settings, small datasets train for more epochs (10 examples → 10 epochs,
          100 examples → 3), so a tiny dataset can cost more than its size suggests. Local training on your own GPU has
          no per-token price.
        </p>
      </Card>
    </div>
  );
}
