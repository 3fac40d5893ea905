import { parseCommandOptions, UsageError, wholeNumberFlag } from "../../args";
import type { LaunchHyperparameters } from "../../../lib/jobs/launch/request";
import type { LocalConfig } from "../../../lib/jobs/local/config";
import { JOB_STATUSES } from "../../../lib/jobs/types";
import type { SweepField } from "../../../lib/jobs/launch/sweep-fields";
import { LOCAL_FLAGS, localConfigFromFlags, localModelArg, sweepFromFlag } from "./local-args";

// Argument parsing for `tuneforge jobs <subcommand>`: every value is checked here, before any request, with
// a message that names the flag and what it accepts. (The server checks the same ranges again.)

/** Numbers from flags; "auto" (or a DPO beta) only where `--from` copied them from a job. */
export type Hyperparameters = LaunchHyperparameters;

export type CreateArgs = {
  provider: "openai" | "local";
  /** provider local: the training flags as the shared local config. */
  local?: LocalConfig;
  /** The training file, imported as a new dataset; or, with `--from` and no --data, the copied job's version. */
  data?: string;
  datasetVersionId?: string;
  validation?: string;
  /** `--from JOB_ID`: the job whose settings this launch copied. */
  from?: string;
  /** provider local, `--sweep FIELD=V1,V2,…`: one job per value. */
  sweep?: { field: SweepField; values: number[] };
  model: string;
  suffix?: string;
  seed?: number;
  hyperparameters: Hyperparameters;
  wait: boolean;
  json: boolean;
  intervalMs: number;
  url?: string;
};


export const wholeNumber = (flag: string, raw: string | undefined, min: number, max: number) => wholeNumberFlag("jobs", flag, raw, min, max);

export function positive(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n <= 0) throw new UsageError(`jobs: ${flag} must be a number above 0, got "${raw}".`);
  return n;
}

/** Flags every `jobs create` takes, whatever the provider. */
export const CREATE_FLAGS = {
  provider: { type: "string" },
  data: { type: "string" },
  validation: { type: "string" },
  model: { type: "string" },
  suffix: { type: "string" },
} as const;

/** `jobs create --provider openai`'s own flags. */
export const OPENAI_FLAGS = {
  epochs: { type: "string" },
  "batch-size": { type: "string" },
  "lr-multiplier": { type: "string" },
  seed: { type: "string" },
} as const;

/** How `jobs create` reports: wait for the end, print JSON, poll interval, server URL. */
export const WAIT_FLAGS = {
  wait: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  interval: { type: "string" },
  url: { type: "string" },
} as const;

export function parseCreateArgs(args: string[]): CreateArgs {
  const providerIndex = args.findIndex((a) => a === "--provider" || a.startsWith("--provider="));
  const provider = providerIndex < 0 ? undefined : args[providerIndex]!.includes("=") ? args[providerIndex]!.split("=")[1] : args[providerIndex + 1];
  if (provider === "local") return parseLocalCreateArgs(args);
  const { values: v, positionals } = parseCommandOptions(
    "jobs",
    args,
    { ...CREATE_FLAGS, ...OPENAI_FLAGS, ...WAIT_FLAGS },
    { positionals: true },
  );
  if (positionals.length > 0) throw new UsageError(`jobs create: unexpected argument "${positionals[0]}"; pass the file with --data FILE.jsonl.`);
  if (v.provider !== "openai") {
    throw new UsageError(v.provider === undefined ? "jobs create: --provider openai|local is required." : `jobs create: --provider must be openai or local, got "${v.provider}".`);
  }
  if (!v.data) throw new UsageError("jobs create: --data FILE.jsonl is required (the training examples).");
  const model = v.model?.trim();
  if (!model) throw new UsageError("jobs create: --model is required, e.g. --model gpt-4o-mini-2024-07-18.");
  checkSuffix(v.suffix);
  const interval = positive("--interval", v.interval);
  return {
    provider: "openai",
    data: v.data,
    validation: v.validation,
    model,
    suffix: v.suffix,
    seed: wholeNumber("--seed", v.seed, 0, 2147483647),
    hyperparameters: openaiHyperparameters(v),
    wait: !!v.wait,
    json: !!v.json,
    intervalMs: Math.round((interval ?? 5) * 1000),
    url: v.url,
  };
}

export function checkSuffix(suffix: string | undefined): void {
  if (suffix !== undefined && (suffix.length < 1 || suffix.length > 64)) throw new UsageError(`jobs create: --suffix must be 1 to 64 characters, got ${suffix.length}.`);
}

/** --epochs, --batch-size and --lr-multiplier in OpenAI's ranges; absent flags are left out ("auto"). */
export function openaiHyperparameters(v: { epochs?: string; "batch-size"?: string; "lr-multiplier"?: string }): Hyperparameters {
  const given = {
    nEpochs: wholeNumber("--epochs", v.epochs, 1, 50),
    batchSize: wholeNumber("--batch-size", v["batch-size"], 1, 256),
    learningRateMultiplier: positive("--lr-multiplier", v["lr-multiplier"]),
  };
  return Object.fromEntries(Object.entries(given).filter(([, x]) => x !== undefined));
}

/** --provider local: a model folder (name or path) and every training flag of `tuneforge train`. */
function parseLocalCreateArgs(args: string[]): CreateArgs {
  const { values: v, positionals } = parseCommandOptions(
    "jobs",
    args,
    {
      ...CREATE_FLAGS,
      ...LOCAL_FLAGS,
      ...WAIT_FLAGS,
    },
    { positionals: true },
  );
  if (positionals.length > 0) throw new UsageError(`jobs create: unexpected argument "${positionals[0]}"; pass the file with --data FILE.jsonl.`);
  if (!v.data) throw new UsageError("jobs create: --data FILE.jsonl is required (the training examples).");
  const model = v.model?.trim();
  if (!model) throw new UsageError("jobs create: --model is required: a model folder in the server's models directory, e.g. --model SmolLM2-135M-Instruct.");
  checkSuffix(v.suffix);
  const interval = positive("--interval", v.interval);
  const local = localConfigFromFlags(v);
  return {
    provider: "local",
    local,
    sweep: sweepFromFlag(v.sweep),
    data: v.data,
    validation: v.validation,
    model: localModelArg(model),
    suffix: v.suffix,
    seed: local.training.seed,
    hyperparameters: {},
    wait: !!v.wait,
    json: !!v.json,
    intervalMs: Math.round((interval ?? 5) * 1000),
    url: v.url,
  };
}

export function parseListArgs(args: string[]): { status: string[]; before?: string; json: boolean; url?: string } {
  const { values: v } = parseCommandOptions("jobs", args, { status: { type: "string" }, before: { type: "string" }, json: { type: "boolean", default: false }, url: { type: "string" } });
  const status = (v.status ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = status.filter((s) => !(JOB_STATUSES as readonly string[]).includes(s));
  if (unknown.length) throw new UsageError(`jobs list: unknown --status ${unknown.join(", ")}; use one or more of ${JOB_STATUSES.join(", ")} (comma-separated).`);
  return { status, ...(v.before ? { before: v.before } : {}), json: !!v.json, url: v.url };
}

/** `jobs show ID`, `jobs cancel ID`, `jobs attach REMOTE_ID`: one id and the common flags. */
export function parseIdArgs(sub: string, what: string, args: string[]): { id: string; json: boolean; url?: string } {
  const { values: v, positionals } = parseCommandOptions("jobs", args, { json: { type: "boolean", default: false }, url: { type: "string" } }, { positionals: true });
  if (positionals.length !== 1) throw new UsageError(`jobs ${sub}: pass exactly one ${what} (got ${positionals.length}).`);
  return { id: positionals[0]!, json: !!v.json, url: v.url };
}
