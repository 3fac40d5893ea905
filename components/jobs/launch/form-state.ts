import type { OpenAIRelaunchDraft } from "@/lib/jobs/launch/relaunch";

// The launch form's fields as typed (strings, so "auto", "3" and a half-typed "0." all survive), and the
// request they become. Values the server cannot accept are passed through unchanged: the estimate route
// answers with an issue naming the field, so the form shows one source of truth for every rule.

export type LaunchMethod = "supervised" | "dpo";

export type LaunchFormState = {
  datasetVersionId: string;
  baseModel: string;
  method: LaunchMethod;
  nEpochs: string;
  batchSize: string;
  learningRateMultiplier: string;
  beta: string;
  suffix: string;
  seed: string;
};

export const HYPERPARAMETER_FIELDS = ["nEpochs", "batchSize", "learningRateMultiplier", "beta"] as const;
export type HyperparameterField = (typeof HYPERPARAMETER_FIELDS)[number];

export const DEFAULT_BASE_MODEL = "gpt-4o-mini-2024-07-18";

export function initialFormState(datasetVersionId: string, method: LaunchMethod = "supervised"): LaunchFormState {
  return { datasetVersionId, baseModel: DEFAULT_BASE_MODEL, method, nEpochs: "auto", batchSize: "auto", learningRateMultiplier: "auto", beta: "auto", suffix: "", seed: "" };
}

/** The form filled in with a job's settings ("Launch again"): what it asked for, "auto" where it left OpenAI to choose. */
export function formStateFromDraft(draft: OpenAIRelaunchDraft, datasetVersionId: string, method: LaunchMethod): LaunchFormState {
  const text = (v: number | "auto" | undefined) => (v === undefined ? "auto" : String(v));
  const h = draft.hyperparameters;
  return {
    datasetVersionId,
    baseModel: draft.baseModel,
    method,
    nEpochs: text(h.nEpochs),
    batchSize: text(h.batchSize),
    learningRateMultiplier: text(h.learningRateMultiplier),
    beta: text(h.beta),
    suffix: draft.suffix ?? "",
    seed: draft.seed === null ? "" : String(draft.seed),
  };
}

/** "auto" or empty → absent (OpenAI's auto); a number → the number; anything else → as typed, for the server to name. */
function hyperparameter(text: string): number | string | undefined {
  const t = text.trim();
  if (t === "" || t.toLowerCase() === "auto") return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

export type LaunchRequestBody = {
  provider: "openai";
  datasetVersionId: string;
  baseModel: string;
  method: LaunchMethod;
  hyperparameters: Partial<Record<HyperparameterField, number | string>>;
  suffix?: string;
  seed?: number | string;
};

export function toLaunchRequest(s: LaunchFormState): LaunchRequestBody {
  const hyperparameters: LaunchRequestBody["hyperparameters"] = {};
  for (const field of HYPERPARAMETER_FIELDS) {
    // beta exists only for DPO; a leftover value must not block a supervised launch.
    if (field === "beta" && s.method !== "dpo") continue;
    const v = hyperparameter(s[field]);
    if (v !== undefined) hyperparameters[field] = v;
  }
  const seed = s.seed.trim();
  return {
    provider: "openai",
    datasetVersionId: s.datasetVersionId,
    baseModel: s.baseModel.trim(),
    method: s.method,
    hyperparameters,
    // An empty box means "no suffix"; anything typed is sent as is, so a too-long suffix is reported.
    ...(s.suffix !== "" ? { suffix: s.suffix } : {}),
    ...(seed !== "" ? { seed: Number.isFinite(Number(seed)) ? Number(seed) : seed } : {}),
  };
}
