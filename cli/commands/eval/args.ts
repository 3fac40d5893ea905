import { parseCommandOptions, UsageError, wholeNumberFlag } from "../../args";
import { parseSpec, SpecError } from "../../../lib/eval/spec";
import { EVAL_STATUSES } from "../../../lib/eval/statuses";
import { THINKING_MODES, type ThinkingMode } from "../../../lib/reasoning";

// Argument parsing for `tuneforge eval <subcommand>`: every value is checked here, before any request, with a
// message that names the flag and what it accepts. (The server checks the same things again.)

export type EvalCreateArgs = {
  /** A JSONL file to import as a new dataset and evaluate, or an existing frozen version. */
  source: { kind: "file"; file: string } | { kind: "version"; id: string };
  candidate: string;
  baseline: string;
  judge?: string;
  rubric?: string;
  jsonSchemaFile?: string;
  split?: "train" | "validation";
  name?: string;
  limit?: number;
  concurrency?: number;
  temperature?: number;
  maxTokens?: number;
  thinking?: ThinkingMode;
  wait: boolean;
  json: boolean;
  intervalMs: number;
  url?: string;
};

const wholeNumber = (flag: string, raw: string | undefined, min: number, max: number) => wholeNumberFlag("eval", flag, raw, min, max);

function numberIn(flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`eval: ${flag} must be a number from ${min} to ${max}, got "${raw}".`);
  return n;
}

function spec(flag: string, raw: string | undefined, required: boolean): string | undefined {
  if (raw === undefined) {
    if (required) throw new UsageError(`eval create: ${flag} SPEC is required (job:<id>, local:<model>[+<adapter dir>], openai:<model> or endpoint:<base url>#<model>).`);
    return undefined;
  }
  try {
    parseSpec(raw);
  } catch (err) {
    if (err instanceof SpecError) throw new UsageError(`eval create: ${flag}: ${err.message}`);
    throw err;
  }
  return raw.trim();
}

/** --thinking default|off|on: a reasoning model's thinking, where its chat template has the switch (Qwen3). */
export function thinkingFlag(command: string, raw: string | undefined): ThinkingMode | undefined {
  if (raw === undefined) return undefined;
  if (!(THINKING_MODES as readonly string[]).includes(raw)) throw new UsageError(`${command}: --thinking must be ${THINKING_MODES.join(", ")}, got "${raw}".`);
  return raw as ThinkingMode;
}

const COMMON = { json: { type: "boolean", default: false }, url: { type: "string" } } as const;

export function parseEvalCreateArgs(args: string[]): EvalCreateArgs {
  const { values: v, positionals } = parseCommandOptions(
    "eval",
    args,
    {
      data: { type: "string" },
      "dataset-version": { type: "string" },
      candidate: { type: "string" },
      baseline: { type: "string" },
      judge: { type: "string" },
      rubric: { type: "string" },
      "json-schema": { type: "string" },
      split: { type: "string" },
      name: { type: "string" },
      limit: { type: "string" },
      concurrency: { type: "string" },
      temperature: { type: "string" },
      "max-tokens": { type: "string" },
      thinking: { type: "string" },
      wait: { type: "boolean", default: false },
      interval: { type: "string" },
      ...COMMON,
    },
    { positionals: true },
  );
  if (positionals.length > 0) throw new UsageError(`eval create: unexpected argument "${positionals[0]}"; pass the data with --data FILE.jsonl or --dataset-version ID.`);
  if (v.data !== undefined && v["dataset-version"] !== undefined) throw new UsageError("eval create: pass either --data FILE.jsonl or --dataset-version ID, not both.");
  if (v.data === undefined && v["dataset-version"] === undefined) throw new UsageError("eval create: say what to evaluate on: --data FILE.jsonl (imported as a new dataset) or --dataset-version ID.");
  if (v.split !== undefined && v.split !== "train" && v.split !== "validation") throw new UsageError(`eval create: --split must be train or validation, got "${v.split}".`);
  if (v.data !== undefined && v.split !== undefined) throw new UsageError("eval create: --split applies to --dataset-version; with --data every line of the file is evaluated.");
  if (v.rubric !== undefined && v.judge === undefined) throw new UsageError("eval create: --rubric needs --judge SPEC (the rubric is the judge's instructions).");
  const interval = numberIn("--interval", v.interval, 0.1, 3600);
  return {
    source: v.data !== undefined ? { kind: "file", file: v.data } : { kind: "version", id: v["dataset-version"]! },
    candidate: spec("--candidate", v.candidate, true)!,
    baseline: spec("--baseline", v.baseline, true)!,
    judge: spec("--judge", v.judge, false),
    rubric: v.rubric,
    jsonSchemaFile: v["json-schema"],
    split: v.split as EvalCreateArgs["split"],
    name: v.name,
    limit: wholeNumber("--limit", v.limit, 1, 100_000),
    concurrency: wholeNumber("--concurrency", v.concurrency, 1, 64),
    temperature: numberIn("--temperature", v.temperature, 0, 2),
    maxTokens: wholeNumber("--max-tokens", v["max-tokens"], 1, 8192),
    thinking: thinkingFlag("eval create", v.thinking),
    wait: !!v.wait,
    json: !!v.json,
    intervalMs: Math.round((interval ?? 2) * 1000),
    url: v.url,
  };
}

export function parseEvalIdArgs(sub: string, args: string[]): { id: string; json: boolean; url?: string } {
  const { values: v, positionals } = parseCommandOptions("eval", args, COMMON, { positionals: true });
  if (positionals.length !== 1) throw new UsageError(`eval ${sub}: pass exactly one evaluation ID (got ${positionals.length}).`);
  return { id: positionals[0]!, json: !!v.json, url: v.url };
}

export function parseEvalListArgs(args: string[]): { status: string[]; jobId?: string; before?: string; json: boolean; url?: string } {
  const { values: v } = parseCommandOptions("eval", args, { status: { type: "string" }, job: { type: "string" }, before: { type: "string" }, ...COMMON });
  const status = (v.status ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = status.filter((s) => !(EVAL_STATUSES as readonly string[]).includes(s));
  if (unknown.length) throw new UsageError(`eval list: unknown --status ${unknown.join(", ")}; use one or more of ${EVAL_STATUSES.join(", ")} (comma-separated).`);
  return { status, jobId: v.job, ...(v.before ? { before: v.before } : {}), json: !!v.json, url: v.url };
}

export function parseEvalExportArgs(args: string[]): { id: string; format: "csv" | "json"; out?: string; url?: string } {
  const { values: v, positionals } = parseCommandOptions("eval", args, { format: { type: "string" }, out: { type: "string" }, url: { type: "string" } }, { positionals: true });
  if (positionals.length !== 1) throw new UsageError(`eval export: pass exactly one evaluation ID (got ${positionals.length}).`);
  const format = v.format ?? "csv";
  if (format !== "csv" && format !== "json") throw new UsageError(`eval export: --format must be csv or json, got "${format}".`);
  return { id: positionals[0]!, format, out: v.out, url: v.url };
}
