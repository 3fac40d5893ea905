import type { Metadata } from "next";
import { Playground } from "@/components/playground/Playground";
import { PageHeader } from "@/components/ui/PageHeader";

export const metadata: Metadata = { title: "Playground" };

export default async function PlaygroundPage({ searchParams }: { searchParams: Promise<{ job?: string | string[] }> }) {
  const { job } = await searchParams;
  return (
    <>
      <PageHeader
        title="Playground"
        description="Chat with a base model and its fine-tuned adapter, or an OpenAI job's fine-tuned model and its base, side by side; both replies stream at once, each side keeps its own history."
      />
      <Playground initialJobId={typeof job === "string" ? job : undefined} />
    </>
  );
}
