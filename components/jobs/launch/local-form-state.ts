import { DEFAULT_LOCAL_CONFIG, LORA_TARGETS, type LocalConfig, type LoraTarget } from "@/lib/jobs/local/config";

// The local launch form's fields as typed, and the localLaunchRequestSchema body they become (POST /api/jobs
// with provider "local"). Numbers stay text while typed; text that is not a number is sent as is so the
// server's zod schema names the field. Defaults are DEFAULT_LOCAL_CONFIG (the seed's).

export const NUMBER_FIELDS = {
  rank: "lora",
  alpha: "lora",
  dropout: "lora",
  epochs: "training",
  batchSize: "training",
  gradAccum: "training",
  lr: "training",
  weightDecay: "training",
  warmupRatio: "training",
  maxGradNorm: "training",
  seed: "training",
  maxSeqLen: "training",
  evalEvery: "training",
  checkpointEvery: "training",
  earlyStoppingPatience: "training",
  earlyStoppingThreshold: "training",
  dpoBeta: "training",
} as const;
export type NumberField = keyof typeof NUMBER_FIELDS;

export type QuantChoice = "nf4-dq" | "nf4" | "none";

export type LocalFormState = Record<NumberField, string> & {
  datasetVersionId: string;
  baseModel: string;
  suffix: string;
  targets: LoraTarget[];
  /** rsLoRA: scale the update by alpha/√r instead of alpha/r. */
  rslora: boolean;
  quant: QuantChoice;
  schedule: LocalConfig["training"]["schedule"];
  backend: LocalConfig["training"]["backend"];
  packing: boolean;
  gradientCheckpointing: boolean;
  keepBest: boolean;
};

export function initialLocalState(datasetVersionId: string, baseModel = ""): LocalFormState {
  return localStateFromConfig(datasetVersionId, baseModel, DEFAULT_LOCAL_CONFIG);
}

/** The form filled in with a configuration: the defaults, or a job's for "Launch again". */
export function localStateFromConfig(datasetVersionId: string, baseModel: string, d: LocalConfig, suffix = ""): LocalFormState {
  const values: Record<NumberField, number> = {
    rank: d.lora.rank,
    alpha: d.lora.alpha,
    dropout: d.lora.dropout,
    epochs: d.training.epochs,
    batchSize: d.training.batchSize,
    gradAccum: d.training.gradAccum,
    lr: d.training.lr,
    weightDecay: d.training.weightDecay,
    warmupRatio: d.training.warmupRatio,
    maxGradNorm: d.training.maxGradNorm,
    seed: d.training.seed,
    maxSeqLen: d.training.maxSeqLen,
    evalEvery: d.training.evalEvery,
    checkpointEvery: d.training.checkpointEvery,
    earlyStoppingPatience: d.training.earlyStoppingPatience,
    earlyStoppingThreshold: d.training.earlyStoppingThreshold,
    dpoBeta: d.training.dpoBeta,
  };
  const text = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])) as Record<NumberField, string>;
  return {
    ...text,
    datasetVersionId,
    baseModel,
    suffix,
    targets: [...d.lora.targets],
    rslora: d.lora.rslora,
    quant: d.quantization.quant === "none" ? "none" : d.quantization.doubleQuant ? "nf4-dq" : "nf4",
    schedule: d.training.schedule,
    backend: d.training.backend,
    packing: d.training.packing,
    gradientCheckpointing: d.training.gradientCheckpointing,
    keepBest: d.training.keepBest,
  };
}

function numberOrText(text: string): number | string {
  const t = text.trim();
  const n = Number(t);
  return t !== "" && Number.isFinite(n) ? n : t;
}

export type LocalLaunchBody = {
  provider: "local";
  datasetVersionId: string;
  baseModel: string;
  suffix?: string;
  config: { lora: Record<string, unknown>; quantization: { quant: "nf4" | "none"; doubleQuant: boolean }; training: Record<string, unknown> };
};

export function toLocalLaunchRequest(s: LocalFormState): LocalLaunchBody {
  const lora: Record<string, unknown> = { targets: LORA_TARGETS.filter((t) => s.targets.includes(t)), rslora: s.rslora };
  const training: Record<string, unknown> = { schedule: s.schedule, backend: s.backend, packing: s.packing, gradientCheckpointing: s.gradientCheckpointing, keepBest: s.keepBest };
  for (const f of Object.keys(NUMBER_FIELDS) as NumberField[]) (NUMBER_FIELDS[f] === "lora" ? lora : training)[f] = numberOrText(s[f]);
  return {
    provider: "local",
    datasetVersionId: s.datasetVersionId,
    baseModel: s.baseModel,
    ...(s.suffix !== "" ? { suffix: s.suffix } : {}),
    config: { lora, quantization: { quant: s.quant === "none" ? "none" : "nf4", doubleQuant: s.quant === "nf4-dq" }, training },
  };
}
