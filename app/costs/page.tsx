import type { Metadata } from "next";
import { PriceTable } from "@/components/costs/PriceTable";
import { Card } from "@/components/ui/Card";
import { PageHeader } from "@/components/ui/PageHeader";

export const metadata: Metadata = { title: "Costs" };

export default function CostsPage() {
  return (
    <div className="stack">
      <PageHeader
        title="Costs"
        description="What training and using a fine-tuned model costs, before you spend anything."
      />
      <Card title="How training is billed" level={2}>
        <p>
          Training cost = training tokens × epochs × the model&apos;s training price. Validation examples are not
          charged. With OpenAI&apos;s automatic settings, small datasets train for more epochs (10 examples → 10 epochs,
          100 examples → 3), so a tiny dataset can cost more than its size suggests. Local training on your own GPU has
          no per-token price.
        </p>
      </Card>
      <section aria-labelledby="prices-title" className="stack" style={{ gap: "0.75rem" }}>
        <h2 id="prices-title">Price table</h2>
        <PriceTable />
      </section>
    </div>
  );
}
