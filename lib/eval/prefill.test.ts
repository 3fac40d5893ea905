import { describe, expect, it } from "vitest";
import { prefillFromJob, type JobForPrefill } from "./prefill";
import { parseSpec } from "./spec";

const hosted: JobForPrefill = { id: "job_1", provider: "openai", baseModel: "gpt-4o-mini-2024-07-18", status: "succeeded", dataset: { versionId: "ver_1", validationCount: 12 } };

describe("prefillFromJob", () => {
  it("a hosted job: candidate is the job, baseline its base model on OpenAI, the job's version's validation split", () => {
    expect(prefillFromJob(hosted)).toEqual({
      candidate: "job:job_1",
      baseline: "openai:gpt-4o-mini-2024-07-18",
      split: "validation",
      jobId: "job_1",
      datasetVersionId: "ver_1",
      problem: null,
    });
  });

  it("a local job: the baseline is the base model folder on the local trainer", () => {
    const p = prefillFromJob({ ...hosted, id: "loc-2", provider: "local", baseModel: "tiny-chat" });
    expect(p).toMatchObject({ candidate: "job:loc-2", baseline: "local:tiny-chat", datasetVersionId: "ver_1", problem: null });
    expect(parseSpec(p.candidate)).toEqual({ kind: "job", jobId: "loc-2" });
    expect(parseSpec(p.baseline)).toEqual({ kind: "local", model: "tiny-chat" });
  });

  it("names what is wrong: a job that did not succeed, no version, no held-out examples", () => {
    expect(prefillFromJob({ ...hosted, status: "failed" }).problem).toBe("Job job_1 is failed: only a succeeded job has a model to evaluate.");
    expect(prefillFromJob({ ...hosted, dataset: null })).toMatchObject({ datasetVersionId: null, problem: expect.stringContaining("no dataset version") });
    expect(prefillFromJob({ ...hosted, dataset: { versionId: "ver_1", validationCount: 0 } }).problem).toMatch(/no validation examples/);
  });
});
