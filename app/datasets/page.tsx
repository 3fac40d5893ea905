import type { Metadata } from "next";
import { DatasetsTable } from "@/components/datasets/DatasetsTable";
import { NewDatasetButton } from "@/components/datasets/import/NewDatasetDialog";
import { PageHeader } from "@/components/ui/PageHeader";

export const metadata: Metadata = { title: "Datasets" };

export default function DatasetsPage() {
  return (
    <>
      <PageHeader
        title="Datasets"
        description="Chat examples to fine-tune on, with their split (train or validation) and token counts. Token counts use the o200k tokenizer of the GPT-4o and GPT-4.1 families."
        actions={<NewDatasetButton />}
      />
      <DatasetsTable />
    </>
  );
}
