// Model specs: how an evaluation names the two models it compares (and the judge). One grammar for the API,
// the form and the CLI:
//   job:<id>[@<step>]           a fine-tuning job's result: a hosted job's ft: model, a local job's adapter on its
//                               base model; @step picks one of a local job's kept checkpoints instead.
//   local:<model>[+<adapter>]   a folder in the models directory, optionally with an adapter folder (a path under
//                               the data directory, e.g. jobs/<id>/adapter).
//   openai:<model>              OpenAI's API with the credentials in Settings.
//   endpoint:<base url>#<model> any OpenAI-compatible server (vLLM, llama.cpp, Ollama, …), no key.

export type ModelSpec =
  | { kind: "job"; jobId: string; step?: number }
  | { kind: "local"; model: string; adapter?: string }
  | { kind: "openai"; model: string }
  | { kind: "endpoint"; baseUrl: string; model: string };

export type SpecKind = ModelSpec["kind"];

export const SPEC_EXAMPLES = ["job:<id>", "local:<model>[+<adapter dir>]", "openai:<model>", "endpoint:<base url>#<model>"] as const;

export class SpecError extends Error {
  constructor(readonly spec: string, reason: string) {
    super(`"${spec}" is not a model spec: ${reason}. Use one of ${SPEC_EXAMPLES.join(", ")}.`);
    this.name = "SpecError";
  }
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function parseSpec(raw: string): ModelSpec {
  const spec = raw.trim();
  const colon = spec.indexOf(":");
  if (colon <= 0) throw new SpecError(raw, "it has no kind before ':'");
  const kind = spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  if (!rest) throw new SpecError(raw, `nothing follows "${kind}:"`);
  switch (kind) {
    case "job": {
      const [jobId, step, extra] = rest.split("@");
      if (extra !== undefined) throw new SpecError(raw, "it has more than one '@'");
      if (!ID.test(jobId!)) throw new SpecError(raw, "the job id must be letters, digits, '-' or '_'");
      if (step === undefined) return { kind: "job", jobId: jobId! };
      if (!/^\d{1,9}$/.test(step) || Number(step) < 1) throw new SpecError(raw, "the checkpoint step after '@' must be a positive whole number");
      return { kind: "job", jobId: jobId!, step: Number(step) };
    }
    case "local": {
      const plus = rest.indexOf("+");
      const model = plus < 0 ? rest : rest.slice(0, plus);
      const adapter = plus < 0 ? undefined : rest.slice(plus + 1);
      if (!model) throw new SpecError(raw, "the model name is empty");
      if (adapter !== undefined && !adapter) throw new SpecError(raw, "the adapter folder after '+' is empty");
      return adapter === undefined ? { kind: "local", model } : { kind: "local", model, adapter };
    }
    case "openai":
      if (/\s/.test(rest)) throw new SpecError(raw, "the model name has spaces");
      return { kind: "openai", model: rest };
    case "endpoint": {
      const hash = rest.lastIndexOf("#");
      if (hash < 0) throw new SpecError(raw, "it needs '#<model>' after the base URL");
      const baseUrl = rest.slice(0, hash);
      const model = rest.slice(hash + 1);
      if (!model) throw new SpecError(raw, "the model name after '#' is empty");
      let url: URL;
      try {
        url = new URL(baseUrl);
      } catch {
        throw new SpecError(raw, `"${baseUrl}" is not a URL`);
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new SpecError(raw, "the base URL must be http or https");
      return { kind: "endpoint", baseUrl: baseUrl.replace(/\/+$/, ""), model };
    }
    default:
      throw new SpecError(raw, `unknown kind "${kind}"`);
  }
}

export function formatSpec(spec: ModelSpec): string {
  switch (spec.kind) {
    case "job":
      return spec.step === undefined ? `job:${spec.jobId}` : `job:${spec.jobId}@${spec.step}`;
    case "local":
      return spec.adapter === undefined ? `local:${spec.model}` : `local:${spec.model}+${spec.adapter}`;
    case "openai":
      return `openai:${spec.model}`;
    case "endpoint":
      return `endpoint:${spec.baseUrl}#${spec.model}`;
  }
}

/** A spec that runs on this machine's trainer (a local model, or a local job's adapter) needs a GPU worker. */
export function isLocalKind(spec: ModelSpec, jobProvider?: "openai" | "local"): boolean {
  return spec.kind === "local" || (spec.kind === "job" && jobProvider === "local");
}
