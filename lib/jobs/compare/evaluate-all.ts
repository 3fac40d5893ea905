import type { CreateEvalRequest } from "../../eval/types";

// "Evaluate each against its base model" (the compare page): one evaluation per compared job, each the job's own
// model (a local job's adapter on its base, an OpenAI job's ft: model) against the model it was trained from, on
// its version's validation split, metrics only (no judge: nothing is billed beyond the two sides' calls). A job
// that cannot be evaluated that way is left out with the reason.

export type EvaluableJob = {
  id: string;
  name: string;
  status: string;
  provider: "openai" | "local";
  baseModel: string;
  fineTunedModel: string | null;
  datasetVersionId: string | null;
  validationCount: number;
};

export type EvaluationPlan = { requests: { jobId: string; name: string; body: CreateEvalRequest }[]; skipped: { name: string; why: string }[] };

export function planEvaluations(jobs: readonly EvaluableJob[]): EvaluationPlan {
  const plan: EvaluationPlan = { requests: [], skipped: [] };
  for (const j of jobs) {
    const why =
      j.status !== "succeeded"
        ? `it is ${j.status}; only a succeeded job has a model to evaluate`
        : !j.datasetVersionId
          ? "it has no dataset version here to take held-out examples from"
          : j.validationCount === 0
            ? "its dataset version has no validation split"
            : j.provider === "openai" && !j.fineTunedModel
              ? "OpenAI gave it no fine-tuned model"
              : null;
    if (why) {
      plan.skipped.push({ name: j.name, why });
      continue;
    }
    plan.requests.push({
      jobId: j.id,
      name: j.name,
      body: {
        name: `${j.name} vs its base model`,
        datasetVersionId: j.datasetVersionId!,
        split: "validation",
        candidate: `job:${j.id}`,
        baseline: `${j.provider === "openai" ? "openai" : "local"}:${j.baseModel}`,
        jobId: j.id,
      },
    });
  }
  return plan;
}
