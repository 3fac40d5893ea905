import { describe, expect, it } from "vitest";
import { createEvalSchema, DEFAULT_RUBRIC } from "@/lib/eval/types";
import { prefillFromJob } from "@/lib/eval/prefill";
import { initialEvalForm, toCreateRequest } from "./form-state";

const prefill = prefillFromJob({ id: "j1", provider: "local", baseModel: "tiny-chat", status: "succeeded", dataset: { versionId: "v9", validationCount: 4 } });

describe("new evaluation form", () => {
  it("a prefilled form sends a request the API schema accepts unchanged, with the default rubric only when there is a judge", () => {
    const { request, errors } = toCreateRequest(initialEvalForm({ datasetVersionId: "v1", prefill }));
    expect(errors).toEqual({});
    expect(request).toMatchObject({ datasetVersionId: "v9", split: "validation", candidate: "job:j1", baseline: "local:tiny-chat", jobId: "j1", concurrency: 8 });
    expect(request).not.toHaveProperty("rubric");
    expect(createEvalSchema.parse(request).generation).toEqual({ temperature: 0, topP: 1, maxTokens: 512, seed: 0 });
    const judged = toCreateRequest({ ...initialEvalForm({ datasetVersionId: "v1", prefill }), judge: "openai:gpt-4o" }).request;
    expect(judged).toMatchObject({ judge: "openai:gpt-4o", rubric: DEFAULT_RUBRIC });
    // A thinking mode other than the templates' own travels with the generation settings.
    const off = toCreateRequest({ ...initialEvalForm({ datasetVersionId: "v1", prefill }), thinking: "off" }).request;
    expect(createEvalSchema.parse(off).generation).toEqual({ temperature: 0, topP: 1, maxTokens: 512, seed: 0, thinking: "off" });
  });

  it("names the field that is wrong: a spec, the JSON schema, a generation number, the sweep without a job", () => {
    const base = initialEvalForm({ datasetVersionId: "v1", prefill });
    expect(toCreateRequest({ ...base, baseline: "gpt-4o" }).errors.baseline).toMatch(/"gpt-4o" is not a model spec: it has no kind before ':'/);
    expect(toCreateRequest({ ...base, jsonSchema: "{type: object}" }).errors.jsonSchema).toMatch(/^Not valid JSON/);
    expect(toCreateRequest({ ...base, jsonSchema: "[1]" }).errors.jsonSchema).toMatch(/must be a JSON object/);
    expect(toCreateRequest({ ...base, jsonSchema: '{"type":"object"}' }).request.jsonSchema).toEqual({ type: "object" });
    expect(toCreateRequest({ ...base, temperature: "3" }).errors.temperature).toBeDefined();
    expect(toCreateRequest({ ...base, concurrency: "many" }).errors.concurrency).toBeDefined();
    expect(toCreateRequest({ ...base, candidate: "openai:gpt-4o", sweepCheckpoints: true }).errors.sweepCheckpoints).toMatch(/needs a job/);
    expect(toCreateRequest({ ...base, limit: "50" }).request.limit).toBe(50);
  });
});
