import { readJson } from "../body";
import { EmulatorError, notFound } from "../errors";
import { cursorPage } from "../pagination";
import type { EmulatorRoute } from "../router";
import { cancelJob, newRecord, type Hyperparameters, type JobRecord } from "../simulator";
import type { EmulatorState } from "../state";
import { checkTrainingFile } from "../training-file";

// POST/GET /v1/fine_tuning/jobs, retrieve, cancel, events and checkpoints. Lists are newest first.
// faults.trainingNotAvailable answers job creation with OpenAI's wind-down 403; faults.dropJobCreateResponses
// creates the job and then kills the connection, as a timed-out create does to a real client.

const bad = (message: string, param: string | null, code: string | null = null) =>
  new EmulatorError(400, message, "invalid_request_error", code, param);

function getJob(state: EmulatorState, id: string): JobRecord {
  const rec = state.jobs.get(id);
  if (!rec) throw notFound(`Could not find fine tune: ${id}`, "fine_tune_id", "fine_tune_not_found");
  return rec;
}

function hyperparameters(body: Record<string, unknown>, type: string): Hyperparameters {
  const method = body.method as Record<string, { hyperparameters?: Record<string, unknown> }> | undefined;
  const given = (method?.[type]?.hyperparameters ?? body.hyperparameters ?? {}) as Record<string, unknown>;
  const pick = (key: string, ok: (n: number) => boolean, rule: string): "auto" | number => {
    const v = given[key];
    if (v === undefined || v === "auto") return "auto";
    if (typeof v !== "number" || !ok(v)) throw bad(`Invalid value for '${key}': ${rule}.`, `hyperparameters.${key}`, "invalid_value");
    return v;
  };
  const hp: Hyperparameters = {
    batch_size: pick("batch_size", (n) => Number.isInteger(n) && n >= 1 && n <= 256, "expected an integer between 1 and 256"),
    learning_rate_multiplier: pick("learning_rate_multiplier", (n) => n > 0, "expected a number greater than 0"),
    n_epochs: pick("n_epochs", (n) => Number.isInteger(n) && n >= 1 && n <= 50, "expected an integer between 1 and 50"),
  };
  if (type === "dpo") hp.beta = pick("beta", (n) => n > 0 && n <= 2, "expected a number greater than 0 and at most 2");
  return hp;
}

function fileParam(state: EmulatorState, body: Record<string, unknown>, key: "training_file" | "validation_file"): string | null {
  const id = body[key];
  if (id === undefined || id === null) {
    if (key === "training_file") throw bad("Missing required parameter: 'training_file'.", key, "missing_required_parameter");
    return null;
  }
  const f = typeof id === "string" ? state.files.get(id) : undefined;
  if (!f) throw bad(`invalid ${key}: ${String(id)}`, key);
  if (f.file.purpose !== "fine-tune") throw bad(`File ${f.file.id} has purpose '${f.file.purpose}', expected 'fine-tune'.`, key);
  return f.file.id;
}

export const fineTuningRoutes: EmulatorRoute[] = [
  {
    method: "POST",
    pattern: "/v1/fine_tuning/jobs",
    handler: async ({ req, state, faults }) => {
      const body = await readJson(req);
      if (faults.trainingNotAvailable) {
        throw new EmulatorError(
          403,
          "OpenAI is winding down the fine-tuning platform and your organization is no longer able to create new fine-tuning training jobs. Learn more https://developers.openai.com/api/docs/deprecations#update-to-openais-self-serve-fine-tuning",
          "invalid_request_error",
          "training_not_available",
        );
      }
      const model = body.model;
      if (typeof model !== "string") throw bad("Missing required parameter: 'model'.", "model", "missing_required_parameter");
      if (!state.models.has(model)) throw bad(`Model ${model} is not available for fine-tuning or does not exist.`, "model", "model_not_available");
      const training_file = fileParam(state, body, "training_file")!;
      const validation_file = fileParam(state, body, "validation_file");
      const methodIn = (body.method ?? { type: "supervised" }) as { type?: unknown };
      const type = methodIn.type;
      if (type !== "supervised" && type !== "dpo") throw bad(`Invalid value for 'method.type': '${String(type)}'.`, "method.type", "invalid_value");
      const suffix = body.suffix ?? null;
      if (suffix !== null && (typeof suffix !== "string" || suffix.length < 1 || suffix.length > 64)) {
        throw bad("Invalid 'suffix': string must be 1 to 64 characters.", "suffix", "invalid_value");
      }
      const metadata = (body.metadata ?? null) as Record<string, string> | null;
      if (metadata && (Object.keys(metadata).length > 16 || Object.entries(metadata).some(([k, v]) => k.length > 64 || typeof v !== "string" || v.length > 512))) {
        throw bad("Invalid 'metadata': at most 16 pairs, keys up to 64 and string values up to 512 characters.", "metadata", "invalid_value");
      }
      const seed = typeof body.seed === "number" ? body.seed : 42 + state.jobs.size; // OpenAI picks one when absent
      const requested = hyperparameters(body, type);
      const rec = newRecord(
        state,
        {
          error: {}, // the documented quirk: {} rather than null while nothing went wrong
          fine_tuned_model: null,
          finished_at: null,
          hyperparameters: { ...requested },
          model,
          result_files: [],
          seed,
          status: "validating_files",
          trained_tokens: null,
          training_file,
          validation_file,
          estimated_finish: null,
          integrations: Array.isArray(body.integrations) ? body.integrations : null,
          metadata,
          method: { type, [type]: { hyperparameters: { ...requested } } },
          user_provided_suffix: suffix as string | null,
        },
        requested,
        checkTrainingFile(state.files.get(training_file)!.content),
      );
      if (faults.dropJobCreateResponses > 0) {
        faults.dropJobCreateResponses -= 1;
        return { body: null, drop: true };
      }
      return { body: rec.job };
    },
  },
  {
    method: "GET",
    pattern: "/v1/fine_tuning/jobs",
    handler: ({ state, query }) => {
      // The SDK sends metadata filters as metadata[key]=value.
      const filters = [...query.entries()]
        .map(([k, v]) => [/^metadata\[(.+)\]$/.exec(k)?.[1], v] as const)
        .filter((f): f is readonly [string, string] => f[0] !== undefined);
      const jobs = [...state.jobs.values()]
        .map((r) => r.job)
        .filter((j) => filters.every(([k, v]) => j.metadata?.[k] === v))
        .reverse(); // Map keeps insertion order; newest first
      return { body: cursorPage(jobs, query, 20) };
    },
  },
  {
    method: "GET",
    pattern: "/v1/fine_tuning/jobs/:id",
    handler: ({ state, params }) => ({ body: getJob(state, params.id!).job }),
  },
  {
    method: "POST",
    pattern: "/v1/fine_tuning/jobs/:id/cancel",
    handler: ({ state, params }) => {
      const rec = getJob(state, params.id!);
      if (["succeeded", "failed", "cancelled"].includes(rec.job.status)) {
        throw bad(`Job ${rec.job.id} has already ${rec.job.status === "cancelled" ? "been cancelled" : "completed"} and cannot be cancelled.`, null);
      }
      cancelJob(state, rec);
      return { body: rec.job };
    },
  },
  {
    method: "GET",
    pattern: "/v1/fine_tuning/jobs/:id/events",
    handler: ({ state, params, query }) => ({ body: cursorPage([...getJob(state, params.id!).events].reverse(), query, 20) }),
  },
  {
    method: "GET",
    pattern: "/v1/fine_tuning/jobs/:id/checkpoints",
    handler: ({ state, params, query }) => ({ body: cursorPage([...getJob(state, params.id!).checkpoints].reverse(), query, 10) }),
  },
];
