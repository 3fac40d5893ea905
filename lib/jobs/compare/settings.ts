import { hyperparametersOf } from "../hosted/input";
import { targetPresetOf, type LocalConfig } from "../local/config";
import { readLocalConfig } from "../local/stored";
import type { JobView } from "../types";
import { row, type CompareRow } from "./types";

// What each compared job was launched with, row by row: its data, model and method, an OpenAI job's hyperparameters
// as asked ("auto" where OpenAI chose), a local job's LoRA and training settings as its run read them (defaults
// filled in for settings added since). After "Launch again", the rows that differ are the experiment.

const yesNo = (b: boolean) => (b ? "yes" : "no");
const text = (v: unknown) => (v === undefined || v === null ? null : String(v));

function targets(t: readonly string[]): string {
  const preset = targetPresetOf(t);
  return preset === "custom" ? t.join(", ") : `${preset === "all-linear" ? "all linear" : "attention"} (${t.map((x) => x.replace(/_proj$/, "")).join(", ")})`;
}

function quantization(q: LocalConfig["quantization"]): string {
  return q.quant === "none" ? "none (bf16 LoRA)" : q.doubleQuant ? "NF4 + double quant" : "NF4";
}

type LocalSpec = { key: string; label: string; get: (c: LocalConfig, job: JobView) => string | null; group: "LoRA" | "Training" };
const LOCAL: LocalSpec[] = [
  { key: "rank", label: "Rank (r)", group: "LoRA", get: (c) => String(c.lora.rank) },
  { key: "alpha", label: "Alpha", group: "LoRA", get: (c) => String(c.lora.alpha) },
  { key: "dropout", label: "Dropout", group: "LoRA", get: (c) => String(c.lora.dropout) },
  { key: "rslora", label: "rsLoRA", group: "LoRA", get: (c) => yesNo(c.lora.rslora) },
  { key: "targets", label: "Target modules", group: "LoRA", get: (c) => targets(c.lora.targets) },
  { key: "quant", label: "Quantization", group: "LoRA", get: (c) => quantization(c.quantization) },
  { key: "epochs", label: "Epochs", group: "Training", get: (c) => String(c.training.epochs) },
  { key: "batch", label: "Micro-batch × accumulation", group: "Training", get: (c) => `${c.training.batchSize} × ${c.training.gradAccum}` },
  { key: "lr", label: "Learning rate", group: "Training", get: (c) => String(c.training.lr) },
  { key: "schedule", label: "Schedule, warmup", group: "Training", get: (c) => `${c.training.schedule}, ${c.training.warmupRatio}` },
  { key: "weightDecay", label: "Weight decay", group: "Training", get: (c) => String(c.training.weightDecay) },
  { key: "maxGradNorm", label: "Max grad norm", group: "Training", get: (c) => (c.training.maxGradNorm > 0 ? String(c.training.maxGradNorm) : "no clipping") },
  { key: "maxSeqLen", label: "Max sequence length", group: "Training", get: (c) => String(c.training.maxSeqLen) },
  { key: "packing", label: "Packing", group: "Training", get: (c, j) => (j.method === "dpo" ? null : yesNo(c.training.packing)) },
  { key: "checkpointing", label: "Gradient checkpointing", group: "Training", get: (c) => yesNo(c.training.gradientCheckpointing) },
  { key: "dpoBeta", label: "DPO beta", group: "Training", get: (c, j) => (j.method === "dpo" ? String(c.training.dpoBeta) : null) },
  { key: "evalEvery", label: "Validation interval", group: "Training", get: (c) => (c.training.evalEvery === 0 ? "each epoch end" : c.training.evalEvery === 1 ? "every step" : `every ${c.training.evalEvery} steps`) },
  {
    key: "earlyStopping",
    label: "Early stopping",
    group: "Training",
    get: (c) => (c.training.earlyStoppingPatience === 0 ? "off" : `patience ${c.training.earlyStoppingPatience}, threshold ${c.training.earlyStoppingThreshold}`),
  },
  { key: "keepBest", label: "Keep the best step", group: "Training", get: (c) => yesNo(c.training.keepBest) },
  { key: "backend", label: "Backend (asked)", group: "Training", get: (c) => c.training.backend },
];

const OPENAI: { key: "nEpochs" | "batchSize" | "learningRateMultiplier" | "beta"; label: string }[] = [
  { key: "nEpochs", label: "n_epochs" },
  { key: "batchSize", label: "batch_size" },
  { key: "learningRateMultiplier", label: "learning_rate_multiplier" },
  { key: "beta", label: "beta (DPO)" },
];

export function settingRows(jobs: readonly JobView[]): CompareRow[] {
  const configs = jobs.map((j) => {
    if (j.provider !== "local") return null;
    const read = readLocalConfig({ loraConfig: (j.loraConfig ?? null) as never, hyperparameters: j.hyperparameters as never });
    return "config" in read ? read.config : null;
  });
  const hosted = jobs.map((j) => (j.provider === "openai" ? hyperparametersOf(j.hyperparameters) : null));
  const rows: CompareRow[] = [
    row("dataset", "Data", "Dataset version", jobs.map((j) => (j.dataset ? `${j.dataset.datasetName} v${j.dataset.versionNumber}` : null))),
    row("examples", "Data", "Training / validation examples", jobs.map((j) => (j.dataset ? `${j.dataset.trainCount} / ${j.dataset.validationCount}` : null))),
    row("provider", "Model", "Provider", jobs.map((j) => (j.provider === "openai" ? "OpenAI" : "local"))),
    row("baseModel", "Model", "Base model", jobs.map((j) => j.baseModel)),
    row("method", "Model", "Method", jobs.map((j) => (j.method === "dpo" ? "DPO" : "supervised"))),
  ];
  if (hosted.some((h) => h !== null)) {
    for (const { key, label } of OPENAI) {
      const cells = hosted.map((h, i) => (h === null || (key === "beta" && jobs[i]!.method !== "dpo") ? null : text(h[key] ?? "auto")));
      if (cells.some((c) => c !== null)) rows.push(row(key, "OpenAI hyperparameters", label, cells));
    }
  }
  if (configs.some((c) => c !== null)) {
    for (const spec of LOCAL) {
      const cells = configs.map((c, i) => (c === null ? null : spec.get(c, jobs[i]!)));
      if (cells.some((c) => c !== null)) rows.push(row(spec.key, spec.group, spec.label, cells));
    }
  }
  // OpenAI picks a seed when none was given; a local job always has one.
  rows.push(row("seed", "Training", "Seed", jobs.map((j, i) => (j.provider === "local" ? text(configs[i]?.training.seed) : j.seed === null ? "chosen by OpenAI" : String(j.seed)))));
  rows.push(row("suffix", "Model", "Suffix", jobs.map((j) => j.suffix)));
  return rows;
}
