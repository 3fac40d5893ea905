import { describe, expect, it } from "vitest";
import { createEvalSchema } from "../../eval/types";
import { planEvaluations, type EvaluableJob } from "./evaluate-all";

const job = (id: string, over: Partial<EvaluableJob> = {}): EvaluableJob => ({
  id, name: `tiny-chat · ${id}`, status: "succeeded", provider: "local", baseModel: "tiny-chat", fineTunedModel: null, datasetVersionId: "v1", validationCount: 4, ...over,
});

describe("planEvaluations", () => {
  it("evaluates each succeeded job against the model it was trained from, on its validation split, and says why it leaves one out", () => {
    const plan = planEvaluations([
      job("a"),
      job("h", { provider: "openai", baseModel: "gpt-4o-mini-2024-07-18", fineTunedModel: "ft:gpt-4o-mini-2024-07-18:org::x" }),
      job("r", { status: "running" }),
      job("n", { validationCount: 0 }),
      job("g", { datasetVersionId: null }),
    ]);
    expect(plan.requests.map((r) => r.body)).toEqual([
      { name: "tiny-chat · a vs its base model", datasetVersionId: "v1", split: "validation", candidate: "job:a", baseline: "local:tiny-chat", jobId: "a" },
      { name: "tiny-chat · h vs its base model", datasetVersionId: "v1", split: "validation", candidate: "job:h", baseline: "openai:gpt-4o-mini-2024-07-18", jobId: "h" },
    ]);
    for (const r of plan.requests) expect(createEvalSchema.safeParse(r.body).success).toBe(true);
    expect(plan.skipped).toEqual([
      { name: "tiny-chat · r", why: "it is running; only a succeeded job has a model to evaluate" },
      { name: "tiny-chat · n", why: "its dataset version has no validation split" },
      { name: "tiny-chat · g", why: "it has no dataset version here to take held-out examples from" },
    ]);
  });
});
