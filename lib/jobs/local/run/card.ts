import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { LocalConfig } from "../config";
import { targetPresetOf } from "../config";

// The adapter card: README.md next to the adapter, so a folder copied off this machine still says what it is
// (base model, the exact data by version and sha256, every setting, how it ended). Hugging Face shows it too.

export type AdapterCard = {
  jobId: string;
  baseModel: string;
  dataset: { name: string; version: number; sha256: string; trainExamples: number; validationExamples: number };
  config: LocalConfig;
  /** Supervised fine-tuning on chat examples, or DPO on preference pairs (then the dataset counts pairs). */
  method?: "supervised" | "dpo";
  backend: string;
  result: {
    steps: number;
    /** The planned steps (more than `steps` when early stopping ended the run). */
    totalSteps?: number;
    finalLoss: number;
    finalValidLoss?: number;
    bestStep?: number;
    bestValidLoss?: number;
    /** The step whose weights the adapter holds. */
    adapterStep?: number;
    trainedTokens: number;
    seconds: number;
  };
  finishedAt: Date;
};

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toPrecision(4));

export function adapterCardMarkdown(c: AdapterCard): string {
  const { lora, quantization: q, training: t } = c.config;
  const row = (k: string, v: string | number | boolean) => `| ${k} | ${typeof v === "number" ? fmt(v) : String(v)} |`;
  const dpo = c.method === "dpo";
  const unit = dpo ? "preference pairs" : "examples";
  return [
    "---",
    `base_model: ${c.baseModel}`,
    "library_name: peft",
    `tags: [lora, tuneforge${dpo ? ", dpo" : ""}]`,
    "---",
    "",
    `# LoRA adapter for ${c.baseModel}`,
    "",
    `Trained by tuneforge (job \`${c.jobId}\`) with the native ${q.quant === "nf4" ? "QLoRA" : "LoRA"} trainer on the ${c.backend} backend${dpo ? " with DPO (the base model as reference)" : ""}, finished ${c.finishedAt.toISOString()}.`,
    "",
    "## Data",
    "",
    `Dataset **${c.dataset.name}** version ${c.dataset.version}: ${c.dataset.trainExamples} training and ${c.dataset.validationExamples} validation ${unit}.`,
    `sha256 of the frozen version: \`${c.dataset.sha256}\`.`,
    "",
    "## Settings",
    "",
    "| setting | value |",
    "| --- | --- |",
    row("method", dpo ? `DPO, beta ${t.dpoBeta}` : "supervised"),
    row("LoRA rank", lora.rank),
    row("LoRA alpha", lora.alpha),
    row("LoRA dropout", lora.dropout),
    row("rsLoRA", lora.rslora),
    row("target modules", `${lora.targets.join(", ")} (${targetPresetOf(lora.targets)})`),
    row("quantization", q.quant === "nf4" ? `nf4${q.doubleQuant ? " + double quant" : ""}` : "none"),
    row("epochs", t.epochs),
    row("batch size × gradient accumulation", `${t.batchSize} × ${t.gradAccum}`),
    row("learning rate", t.lr),
    row("schedule", `${t.schedule}, warmup ${t.warmupRatio}`),
    row("weight decay", t.weightDecay),
    row("max grad norm", t.maxGradNorm),
    row("max sequence length", t.maxSeqLen),
    row("packing", t.packing),
    row("seed", t.seed),
    ...(t.earlyStoppingPatience ? [row("early stopping", `after ${t.earlyStoppingPatience} validation passes without improvement${t.earlyStoppingThreshold ? ` > ${t.earlyStoppingThreshold}` : ""}`)] : []),
    ...(t.keepBest ? [row("adapter kept", "the step with the lowest validation loss")] : []),
    "",
    "## Result",
    "",
    "| metric | value |",
    "| --- | --- |",
    row("optimizer steps", c.result.totalSteps && c.result.totalSteps !== c.result.steps ? `${c.result.steps} of ${c.result.totalSteps} (stopped early)` : c.result.steps),
    ...(c.result.adapterStep !== undefined && c.result.adapterStep !== c.result.steps ? [row("adapter weights from step", c.result.adapterStep)] : []),
    ...(c.result.bestStep !== undefined && c.result.bestValidLoss !== undefined ? [row(dpo ? "best validation loss (DPO)" : "best validation loss", `${fmt(c.result.bestValidLoss)} at step ${c.result.bestStep}`)] : []),
    row(dpo ? "final train loss (DPO)" : "final train loss", c.result.finalLoss),
    ...(c.result.finalValidLoss !== undefined ? [row(dpo ? "final validation loss (DPO)" : "final validation loss", c.result.finalValidLoss)] : []),
    row("tokens trained", c.result.trainedTokens),
    row("wall time (s)", Math.round(c.result.seconds)),
    "",
    "## Use",
    "",
    "```bash",
    `npx tuneforge generate --model models/${c.baseModel} --adapter <this folder> --prompt "…"`,
    "```",
    "",
  ].join("\n");
}

export function writeAdapterCard(adapterDir: string, card: AdapterCard): void {
  fs.writeFileSync(path.join(adapterDir, "README.md"), adapterCardMarkdown(card));
}

/** sha256 of a file, streamed (adapters of big models are hundreds of MB). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export function folderSize(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? folderSize(p) : fs.statSync(p).size;
  }
  return total;
}
