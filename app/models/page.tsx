import type { Metadata } from "next";
import { ModelsList } from "@/components/models/ModelsList";
import { PageHeader } from "@/components/ui/PageHeader";

export const metadata: Metadata = { title: "Models" };

export default function ModelsPage() {
  return (
    <>
      <PageHeader
        title="Models"
        description="Local base models for QLoRA training and evaluation: Hugging Face folders (Llama family) on this machine. Nothing is downloaded for you."
      />
      <ModelsList />
    </>
  );
}
