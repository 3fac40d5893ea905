import { createEvalSchema, DEFAULT_RUBRIC, type CreateEvalRequest } from "@/lib/eval/types";
import type { EvalPrefill } from "@/lib/eval/prefill";
import type { ThinkingMode } from "@/lib/reasoning";

// The new-evaluation form's fields as typed (strings), and the request they become. Validation is the shared
// createEvalSchema run in the browser too, so the form names the same field with the same words as the API,
// plus the one check the schema cannot make on a string: that the JSON schema box holds JSON.

export type EvalFormState = {
  name: string;
  datasetVersionId: string;
  split: "validation" | "train";
  candidate: string;
  baseline: string;
  judge: string;
  rubric: string;
  jsonSchema: string;
  temperature: string;
  topP: string;
  maxTokens: string;
  seed: string;
  thinking: ThinkingMode;
  concurrency: string;
  limit: string;
  jobId: string | null;
  sweepCheckpoints: boolean;
};

export function initialEvalForm(opts: { datasetVersionId: string; prefill?: EvalPrefill | null }): EvalFormState {
  const p = opts.prefill;
  return {
    name: "",
    datasetVersionId: p?.datasetVersionId ?? opts.datasetVersionId,
    split: p?.split === "train" ? "train" : "validation",
    candidate: p?.candidate ?? "",
    baseline: p?.baseline ?? "",
    judge: "",
    rubric: DEFAULT_RUBRIC,
    jsonSchema: "",
    temperature: "0",
    topP: "1",
    maxTokens: "512",
    seed: "0",
    thinking: "default",
    concurrency: "8",
    limit: "",
    jobId: p?.jobId ?? null,
    sweepCheckpoints: false,
  };
}

export type FieldErrors = Partial<Record<keyof EvalFormState, string>>;

/** A number when the text is one; otherwise the text itself, so the schema's own message names the field. */
const num = (s: string): number | string => (s.trim() !== "" && Number.isFinite(Number(s)) ? Number(s) : s);

export function toCreateRequest(f: EvalFormState): { request: CreateEvalRequest; errors: FieldErrors } {
  const errors: FieldErrors = {};
  let jsonSchema: Record<string, unknown> | undefined;
  if (f.jsonSchema.trim()) {
    try {
      const parsed: unknown = JSON.parse(f.jsonSchema);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) jsonSchema = parsed as Record<string, unknown>;
      else errors.jsonSchema = "The JSON schema must be a JSON object, e.g. {\"type\": \"object\"}.";
    } catch (err) {
      errors.jsonSchema = `Not valid JSON: ${(err as Error).message}`;
    }
  }
  const request = {
    name: f.name.trim(),
    datasetVersionId: f.datasetVersionId,
    split: f.split,
    candidate: f.candidate.trim(),
    baseline: f.baseline.trim(),
    ...(f.judge.trim() ? { judge: f.judge.trim(), rubric: f.rubric } : {}),
    ...(jsonSchema ? { jsonSchema } : {}),
    generation: { temperature: num(f.temperature), topP: num(f.topP), maxTokens: num(f.maxTokens), seed: num(f.seed), ...(f.thinking !== "default" && { thinking: f.thinking }) },
    concurrency: num(f.concurrency),
    ...(f.limit.trim() ? { limit: num(f.limit) } : {}),
    ...(f.jobId ? { jobId: f.jobId } : {}),
    sweepCheckpoints: f.sweepCheckpoints,
  } as CreateEvalRequest;

  const checked = createEvalSchema.safeParse(request);
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      // Generation settings are fields of their own on the form.
      const head = issue.path[0] === "generation" ? issue.path[1] : issue.path[0];
      errors[String(head ?? "name") as keyof EvalFormState] ??= issue.message;
    }
  }
  if (f.sweepCheckpoints && !/^job:[^@]+$/.test(f.candidate.trim())) errors.sweepCheckpoints = "Evaluating every checkpoint needs a job as the candidate (job:<id>, no @step).";
  return { request, errors };
}
