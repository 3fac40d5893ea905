import { connection } from "next/server";
import { WindDownBanner } from "@/components/overview/WindDownBanner";
import { Step } from "@/components/overview/Step";
import { ButtonLink } from "@/components/ui/Button";
import { PageHeader } from "@/components/ui/PageHeader";
import { formatInt, plural } from "@/components/ui/format";
import { getOverviewCounts } from "@/lib/overview/counts";

export default async function OverviewPage() {
  // Counts come from the database on every request, never from a build-time snapshot.
  await connection();
  const c = await getOverviewCounts();

  return (
    <div className="stack">
      <PageHeader
        title="Overview"
        description="Fine-tune a model in four steps: collect examples, see what training will cost, train on OpenAI or your own GPU, then compare the result with the model you started from."
      />
      <WindDownBanner />
      <ol className="steps" aria-label="Next steps">
        <Step
          n={1}
          title="Add data"
          done={c.examples > 0}
          stat={
            <>
              {formatInt(c.examples)}
              <small>{c.examples === 1 ? "example" : "examples"} in {plural(c.datasets, "dataset")}</small>
            </>
          }
          actions={<ButtonLink href="/datasets" variant="primary">Open datasets</ButtonLink>}
        >
          Chat examples — a system prompt, a user message and the answer you want — are what the model learns from.
          50–100 good ones are a sensible start.
        </Step>
        <Step
          n={2}
          title="Check the cost"
          done={false}
          stat={
            <>
              {formatInt(c.trainingTokens)}
              <small>training tokens per epoch</small>
            </>
          }
          actions={<ButtonLink href="/costs">See prices</ButtonLink>}
        >
          Training is billed per token and epoch. The price table covers {plural(c.prices, "model")}; estimates use it
          before anything is spent.
        </Step>
        <Step
          n={3}
          title="Fine-tune"
          done={c.succeededJobs > 0}
          stat={
            <>
              {formatInt(c.jobs)}
              <small>
                {c.jobs === 1 ? "job" : "jobs"}
                {c.activeJobs > 0 ? `, ${formatInt(c.activeJobs)} running` : ""}
              </small>
            </>
          }
          actions={
            <>
              <ButtonLink href="/jobs">Open jobs</ButtonLink>
              <ButtonLink href="/settings" variant="ghost">Add an OpenAI key</ButtonLink>
            </>
          }
        >
          Train on OpenAI with your API key, or locally with QLoRA on a model folder from the Models page. Loss curves
          appear live while it runs.
        </Step>
        <Step
          n={4}
          title="Evaluate"
          done={c.evalRuns > 0}
          stat={
            <>
              {formatInt(c.evalRuns)}
              <small>{c.evalRuns === 1 ? "evaluation" : "evaluations"}</small>
            </>
          }
          actions={<ButtonLink href="/evaluations">Open evaluations</ButtonLink>}
        >
          Run the fine-tuned model and its base model on held-out examples and compare the answers side by side.
        </Step>
      </ol>
    </div>
  );
}
