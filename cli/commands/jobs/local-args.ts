import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../../args";
import { TRAINING_FLAGS } from "../../native/options";
import { parseSweepValues, SWEEP_FIELD_NAMES, type SweepField } from "../../../lib/jobs/launch/sweep-fields";
import { LORA_TARGET_PRESETS, localConfigSchema, type LocalConfig } from "../../../lib/jobs/local/config";

// `tuneforge jobs create --provider local …`: the training flags of `tuneforge train`, turned into the shared
// local config (lib/jobs/local/config.ts) and checked here with the same schema the server uses, so a mistake
// is reported by its flag name before anything is uploaded.

export const LOCAL_FLAGS = {
  /** FIELD=V1,V2,…: one job per value (POST /api/jobs/sweep). */
  sweep: { type: "string" },
  quant: { type: "string" },
  "double-quant": { type: "boolean" },
  backend: { type: "string" },
  threads: { type: "string" },
  ...TRAINING_FLAGS,
} as const;

/** Config field path → the flag that sets it (for messages). */
const FLAG_OF: Record<string, string> = {
  "lora.rank": "--rank", "lora.alpha": "--alpha", "lora.dropout": "--dropout", "lora.targets": "--targets", "lora.rslora": "--rslora",
  "quantization.quant": "--quant", "quantization.doubleQuant": "--double-quant",
  "training.epochs": "--epochs", "training.batchSize": "--batch-size", "training.gradAccum": "--grad-accum", "training.lr": "--lr",
  "training.weightDecay": "--weight-decay", "training.schedule": "--schedule", "training.warmupRatio": "--warmup-ratio",
  "training.maxGradNorm": "--max-grad-norm", "training.maxSeqLen": "--max-seq-len", "training.seed": "--seed",
  "training.evalEvery": "--eval-every", "training.checkpointEvery": "--checkpoint-every", "training.backend": "--backend",
  "training.dpoBeta": "--dpo-beta", "training.earlyStoppingPatience": "--early-stopping-patience",
  "training.earlyStoppingThreshold": "--early-stopping-threshold", "training.keepBest": "--keep-best",
};

type Values = { [K in keyof typeof LOCAL_FLAGS]?: (typeof LOCAL_FLAGS)[K]["type"] extends "boolean" ? boolean : string };

function num(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n)) throw new UsageError(`jobs create: ${flag} must be a number, got "${raw}".`);
  return n;
}

function targetsOf(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const preset = LORA_TARGET_PRESETS[raw.trim() as keyof typeof LORA_TARGET_PRESETS];
  return preset ? [...preset] : raw.split(",").map((t) => t.trim()).filter(Boolean);
}

/** The boolean flags `jobs create --from` can also turn off (`--no-keep-best`): the copied job may have them on. */
export const NEGATABLE_LOCAL_FLAGS = ["rslora", "double-quant", "packing", "gradient-checkpointing", "keep-best"] as const;
type Negations = { [K in (typeof NEGATABLE_LOCAL_FLAGS)[number] as `no-${K}`]?: boolean };

/**
 * The shared local config from the flags: each flag given over `base` (the defaults, or with `jobs create --from` the
 * copied job's configuration), checked with the server's schema and reported by flag name.
 */
export function localConfigFromFlags(v: Values & Negations, base?: LocalConfig): LocalConfig {
  if (v.threads !== undefined) throw new UsageError("jobs create: --threads is a setting of the GPU worker (TUNEFORGE_LOCAL_THREADS), not of a job.");
  if (v.resume !== undefined) throw new UsageError("jobs create: --resume is not needed: a local job resumes from its own last checkpoint when its worker restarts.");
  for (const flag of NEGATABLE_LOCAL_FLAGS) {
    if (v[flag] && v[`no-${flag}`]) throw new UsageError(`jobs create: --${flag} and --no-${flag} contradict each other; pass one.`);
  }
  const bool = (flag: (typeof NEGATABLE_LOCAL_FLAGS)[number]) => (v[flag] ? true : v[`no-${flag}`] ? false : undefined);
  const drop = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));
  const given = {
    lora: drop({ rank: num("--rank", v.rank), alpha: num("--alpha", v.alpha), dropout: num("--dropout", v.dropout), rslora: bool("rslora"), targets: targetsOf(v.targets) }),
    quantization: drop({ quant: v.quant, doubleQuant: bool("double-quant") }),
    training: drop({
      epochs: num("--epochs", v.epochs), batchSize: num("--batch-size", v["batch-size"]), gradAccum: num("--grad-accum", v["grad-accum"]), lr: num("--lr", v.lr),
      weightDecay: num("--weight-decay", v["weight-decay"]), schedule: v.schedule, warmupRatio: num("--warmup-ratio", v["warmup-ratio"]),
      maxGradNorm: num("--max-grad-norm", v["max-grad-norm"]), maxSeqLen: num("--max-seq-len", v["max-seq-len"]), seed: num("--seed", v.seed),
      evalEvery: num("--eval-every", v["eval-every"]), checkpointEvery: num("--checkpoint-every", v["checkpoint-every"]), packing: v.packing,
      gradientCheckpointing: bool("gradient-checkpointing"), backend: v.backend, dpoBeta: num("--dpo-beta", v["dpo-beta"]),
      earlyStoppingPatience: num("--early-stopping-patience", v["early-stopping-patience"]),
      earlyStoppingThreshold: num("--early-stopping-threshold", v["early-stopping-threshold"]), keepBest: bool("keep-best"),
    }),
  };
  // A --quant given over a base leaves double quantization to follow it (on with nf4), unless that flag is given too.
  const baseQuant = base && given.quantization.quant !== undefined ? {} : base?.quantization;
  const raw = base
    ? { lora: { ...base.lora, ...given.lora }, quantization: { ...baseQuant, ...given.quantization }, training: { ...base.training, ...given.training } }
    : given;
  const parsed = localConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const key = first.path.filter((p) => typeof p === "string").join(".");
    const flag = FLAG_OF[key] ?? key;
    throw new UsageError(`jobs create: ${flag}: ${first.message}.`);
  }
  return parsed.data;
}

/**
 * --model for local jobs is a folder name in the server's models directory, or a path to one; a path that
 * exists here is sent absolute (the server still refuses anything outside its models directory).
 */
export function localModelArg(raw: string): string {
  const looksLikePath = raw.includes("/") || raw.includes(path.sep) || raw.startsWith(".");
  return looksLikePath && fs.existsSync(raw) ? path.resolve(raw) : raw;
}

export function parseLocalFlags(args: string[]): Values {
  return parseArgs({ args, options: LOCAL_FLAGS, strict: false, allowPositionals: true }).values as Values;
}

/** --sweep lr=1e-4,2e-4,5e-4 → the sweep POST /api/jobs/sweep takes; undefined without the flag. */
export function sweepFromFlag(raw: string | undefined): { field: SweepField; values: number[] } | undefined {
  if (raw === undefined) return undefined;
  const eq = raw.indexOf("=");
  const field = raw.slice(0, Math.max(0, eq)).trim();
  if (eq < 0 || !(SWEEP_FIELD_NAMES as readonly string[]).includes(field))
    throw new UsageError(`jobs create: --sweep takes FIELD=V1,V2,… with FIELD one of ${SWEEP_FIELD_NAMES.join(", ")}, got "${raw}".`);
  const parsed = parseSweepValues(raw.slice(eq + 1));
  if (parsed.error) throw new UsageError(`jobs create: --sweep ${field}: ${parsed.error}.`);
  return { field: field as SweepField, values: parsed.values };
}
