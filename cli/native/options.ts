import fs from "node:fs";
import path from "node:path";
import { loadNativeAddon, type Backend, type NativeAddon, type NativeModel, type Quant } from "../../native/index";
import { UsageError } from "../args";

// Option parsing shared by the trainer commands (train, logprobs, generate, merge, bench): numbers with
// ranges, enums, and the common --quant/--double-quant/--backend/--threads, with messages naming the flag.

export function numberOption(command: string, flag: string, raw: string | undefined, fallback: number, opts: { min?: number; max?: number; integer?: boolean; multipleOf?: number } = {}): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  const { min = -Infinity, max = Infinity, integer = false, multipleOf } = opts;
  const kind = integer ? "an integer" : "a number";
  if (raw.trim() === "" || !Number.isFinite(v) || (integer && !Number.isInteger(v))) throw new UsageError(`${command}: --${flag} must be ${kind}, got "${raw}"`);
  if (v < min || v > max) {
    const range = max === Infinity ? `≥ ${min}` : min === -Infinity ? `≤ ${max}` : `between ${min} and ${max}`;
    throw new UsageError(`${command}: --${flag} must be ${range}, got ${raw}`);
  }
  if (multipleOf !== undefined && v % multipleOf !== 0) throw new UsageError(`${command}: --${flag} must be a multiple of ${multipleOf}, got ${raw}`);
  return v;
}

export function choiceOption<T extends string>(command: string, flag: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new UsageError(`${command}: --${flag} must be one of ${allowed.join(", ")}, got "${raw}"`);
  return raw as T;
}

export function requireOption(command: string, flag: string, raw: string | undefined, what: string): string {
  if (raw === undefined || raw === "") throw new UsageError(`${command}: --${flag} ${what} is required. Run \`tuneforge ${command} --help\` for usage.`);
  return raw;
}

/** A model folder must exist and hold config.json; the trainer says what is wrong inside it. */
export function requireModelDir(command: string, dir: string): string {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs)) throw new Error(`${command}: model folder ${abs} does not exist`);
  if (!fs.statSync(abs).isDirectory()) throw new Error(`${command}: --model ${abs} is not a folder (give the Hugging Face model folder)`);
  if (!fs.existsSync(path.join(abs, "config.json"))) throw new Error(`${command}: ${abs} has no config.json; is it a Hugging Face model folder?`);
  return abs;
}

export function requireAdapterDir(command: string, dir: string): string {
  const abs = path.resolve(dir);
  if (!fs.existsSync(path.join(abs, "adapter_config.json"))) throw new Error(`${command}: ${abs} has no adapter_config.json; --adapter must be a PEFT adapter folder (what \`tuneforge train\` writes)`);
  return abs;
}

export const MODEL_LOAD_OPTIONS = {
  quant: { type: "string" },
  "double-quant": { type: "boolean", default: false },
  backend: { type: "string" },
  threads: { type: "string" },
} as const;

/**
 * The LoRA and training flags of `tuneforge train`, also taken by `tuneforge jobs create --provider local`
 * (cli/commands/jobs/local-args.ts). No defaults here: each command applies its own (the trainer's, or the
 * server's shared local config), and the jobs command must tell a flag left out from one given.
 */
export const TRAINING_FLAGS = {
  rank: { type: "string" },
  alpha: { type: "string" },
  dropout: { type: "string" },
  rslora: { type: "boolean" },
  targets: { type: "string" },
  epochs: { type: "string" },
  "batch-size": { type: "string" },
  "grad-accum": { type: "string" },
  lr: { type: "string" },
  "weight-decay": { type: "string" },
  schedule: { type: "string" },
  "warmup-ratio": { type: "string" },
  "max-grad-norm": { type: "string" },
  "max-seq-len": { type: "string" },
  seed: { type: "string" },
  "eval-every": { type: "string" },
  "checkpoint-every": { type: "string" },
  "early-stopping-patience": { type: "string" },
  "early-stopping-threshold": { type: "string" },
  "keep-best": { type: "boolean" },
  resume: { type: "string" },
  packing: { type: "boolean" },
  "gradient-checkpointing": { type: "boolean" },
  "dpo-beta": { type: "string" },
} as const;

export type ModelLoadValues = { quant?: string; "double-quant"?: boolean; backend?: string; threads?: string };

export const MODEL_LOAD_USAGE = [
  "  --quant nf4|none    how the frozen base weights are held in memory",
  "  --double-quant      NF4 only: quantize the absmax values too (bitsandbytes' double quantization)",
  "  --backend B         auto, cpu or cuda (default auto)",
  "  --threads N         CPU threads (default: all cores)",
];

export async function openModel(command: string, root: string, modelDir: string, v: ModelLoadValues, defaultQuant: Quant): Promise<{ addon: NativeAddon; model: NativeModel }> {
  const quant = choiceOption<Quant>(command, "quant", v.quant, ["nf4", "none"], defaultQuant);
  if (v["double-quant"] && quant !== "nf4") throw new UsageError(`${command}: --double-quant needs --quant nf4`);
  const backend = choiceOption<Backend>(command, "backend", v.backend, ["auto", "cpu", "cuda"], "auto");
  const threads = numberOption(command, "threads", v.threads, 0, { min: 0, max: 1024, integer: true });
  const addon = loadNativeAddon(root);
  const model = await addon.loadModel({ modelDir, quant, doubleQuant: Boolean(v["double-quant"]), backend, threads });
  return { addon, model };
}
