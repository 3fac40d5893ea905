import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { DatasetTotals } from "@/components/datasets/workspace/DatasetTotals";
import { DatasetWorkspace } from "@/components/datasets/workspace/DatasetWorkspace";
import { Badge } from "@/components/ui/Badge";
import { PageHeader } from "@/components/ui/PageHeader";
import { getDataset } from "@/lib/datasets/get";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const dataset = await getDataset({ id: (await params).id });
  return { title: dataset?.name ?? "Dataset not found" };
}

export default async function DatasetPage({ params }: Props) {
  const dataset = await getDataset({ id: (await params).id });
  if (!dataset) notFound();

  return (
    <div className="stack">
      <PageHeader
        back={{ href: "/datasets", label: "Datasets" }}
        title={
          <span className="row" style={{ gap: "0.6rem" }}>
            {dataset.name}
            {dataset.isSample ? <Badge tone="sample">Sample</Badge> : null}
          </span>
        }
        description={dataset.description || undefined}
      />
      <DatasetTotals initial={dataset} />
      {/* useSearchParams in the workspace needs a Suspense boundary for the static shell. */}
      <Suspense>
        <DatasetWorkspace
          dataset={{
            id: dataset.id,
            name: dataset.name,
            description: dataset.description,
            isSample: dataset.isSample,
            updatedAt: dataset.updatedAt,
            exampleCount: dataset.exampleCount,
            validationCount: dataset.validationCount,
            tokenCount: dataset.tokenCount,
            countModel: dataset.countModel,
          }}
        />
      </Suspense>
    </div>
  );
}
