import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

// The one hand-written TypeScript interface for tuneforge_native.node (native/src/binding/*.cc) and its
// loader. Field names are camelCase versions of native/src/api.h. Everything long returns a Promise
// settled from a worker thread; the event loop never waits on the trainer.

/** Where node-gyp puts the addon, relative to the repository root. Health, doctor and start use this too. */
export const NATIVE_ADDON_RELATIVE_PATH = "native/build/Release/tuneforge_native.node";

export const NATIVE_NOT_BUILT_MESSAGE =
  "native addon not built: run `npm run native:build` (needs g++ and Node headers); the dashboard still runs with local training disabled";

export type Quant = "none" | "nf4";
export type Backend = "auto" | "cpu" | "cuda";

export type LoadOptions = {
  /** A Hugging Face model folder: config.json + *.safetensors (tokenizer files are read in TypeScript). */
  modelDir: string;
  quant?: Quant;
  /** NF4 only: quantize the absmax values too (≈0.127 bits/parameter less). */
  doubleQuant?: boolean;
  backend?: Backend;
  /** 0 = all cores. */
  threads?: number;
};

export type ModelInfo = {
  architecture: string;
  modelType: string;
  backend: string;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  /** Qwen3, Gemma 3 (not Gemma 2): each head of q and k is RMS-normalized (q_norm, k_norm) before RoPE; OLMo 2: all of q and of k. */
  qkNorm: boolean;
  /** OLMo 2: q_norm and k_norm normalize whole rows (nh·hd, nkv·hd values), not each head. */
  qkNormWhole: boolean;
  /** Gemma 2 and 3, OLMo 2: each sublayer's output is normalized (post_attention / post_feedforward norms) before its residual add. */
  sandwichNorms: boolean;
  /** False on OLMo 2: the sublayers' inputs are not normalized (no input_layernorm, no MLP input norm). */
  inputNorms: boolean;
  /** Phi-3 / Phi-4: q, k, v in one qkv_proj; LoRA adapts the fused module. */
  fusedQkv: boolean;
  /** Phi-3 / Phi-4 and GLM-4: gate, up in one gate_up_proj; LoRA adapts the fused module. */
  fusedGateUp: boolean;
  /** Gemma 2's attn_logit_softcapping: each scaled score s becomes cap·tanh(s / cap) before the softmax (0 = none). */
  attnSoftcap: number;
  /** Gemma 2's final_logit_softcapping: the logits scored, sampled and trained on are capped likewise (0 = none). */
  logitSoftcap: number;
  /** LFM2: how many layers are gated short convolutions (conv.in_proj, conv.out_proj) instead of attention; 0 elsewhere. */
  convLayers: number;
  /** LFM2: the positions each convolution spans (conv_L_cache, 3); 0 without conv layers. */
  convKernel: number;
  eosTokenIds: number[];
  /** All parameters, embedding included. */
  numParameters: number;
  /** N_frozen of the FLOP accounting (matmul weights incl. lm_head, not the embedding). */
  matmulParameters: number;
  /** Memory of the frozen weights as loaded (NF4 ≈ 0.52 bytes/parameter). */
  weightBytes: number;
};

export type LoraOptions = { rank?: number; alpha?: number; dropout?: number; rslora?: boolean; targets?: string[] };

/**
 * lossMask[i] = 1: token i is a training target (predicted from tokens before it). With method "dpo" the examples
 * come in pairs: 2k the prompt with the preferred answer, 2k+1 the same prompt with the rejected one, masks on the
 * answers only.
 */
export type TrainExample = { tokens: number[] | Int32Array; lossMask: (0 | 1)[] | Uint8Array };

export type TrainOptions = {
  lora?: LoraOptions;
  /**
   * "sft" (default): mean -ln p over the masked targets. "dpo": Direct Preference Optimization on pairs (see
   * TrainExample) against the base model as reference, the sigmoid loss with `dpoBeta` (default 0.1); batchSize then
   * counts pairs, and packing does not apply (native/src/train/preference.h).
   */
  method?: "sft" | "dpo";
  dpoBeta?: number;
  epochs?: number;
  batchSize?: number;
  gradAccum?: number;
  lr?: number;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  schedule?: "cosine" | "linear" | "constant";
  warmupRatio?: number;
  /** <= 0 disables clipping. */
  maxGradNorm?: number;
  maxSeqLen?: number;
  packing?: boolean;
  gradientCheckpointing?: boolean;
  /** Report where each step's time goes (StepReport.profileMs): a mark after every few kernels; off by default. */
  profile?: boolean;
  /** Profile only this step of the run, counted from where it starts or resumes (1 = its first; 0 = none). */
  profileStep?: number;
  seed?: number | bigint;
  /** Optimizer steps between validation passes; 0 = each epoch end. */
  evalEvery?: number;
  /** Optimizer steps between checkpoints; 0 = each epoch end. */
  checkpointEvery?: number;
  /**
   * Early stopping (HF's EarlyStoppingCallback on eval_loss): stop once this many validation passes in a row have
   * not lowered the best validation loss by more than earlyStoppingThreshold; 0 = never. Needs validation examples.
   */
  earlyStoppingPatience?: number;
  earlyStoppingThreshold?: number;
  /** The final adapter is the step with the lowest validation loss (HF's load_best_model_at_end), not the last. */
  keepBest?: boolean;
  /** The adapter is written here; checkpoints under outDir/checkpoints/step-N. */
  outDir: string;
  resumeFrom?: string;
  baseModelName?: string;
};

export type StepReport = {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSec: number;
  elapsedMs: number;
  validLoss?: number;
  /**
   * DPO only: the share of the step's pairs whose chosen answer out-rewards the rejected one, and the mean reward
   * margin (rewards are beta x the log-ratio to the reference); the valid ones with validLoss (the mean DPO loss of
   * the validation pairs).
   */
  rewardAccuracy?: number;
  rewardMargin?: number;
  validRewardAccuracy?: number;
  validRewardMargin?: number;
  memoryBytes: number;
  /** Set when a checkpoint was written at this step. */
  checkpointDir?: string;
  /** The first step of a run only: where the memory goes, by category (device memory on CUDA, an estimate on the CPU). */
  memoryReport?: string;
  /** With TrainOptions.profile (or on profileStep): milliseconds of this step by phase, and `step`, its wall time. */
  profileMs?: StepProfileMs;
};

/** The phases of native/src/model/step_timeline.h, in its order; `step` is the whole step's wall time. */
export const STEP_PHASES = ["frozen_matmul", "nf4_dequant", "lora", "attention", "attention_backward", "elementwise", "loss_head", "optimizer"] as const;
export type StepPhase = (typeof STEP_PHASES)[number];
export type StepProfileMs = Record<StepPhase | "step", number>;

export type TrainResult = {
  steps: number;
  adapterDir: string;
  finalLoss: number;
  finalValidLoss?: number;
  /** Stopped at a step boundary on request; lastCheckpoint is kept. */
  cancelled: boolean;
  lastCheckpoint?: string;
  /** Early stopping ended the run at `steps`, before its planned `totalSteps`. */
  stoppedEarly: boolean;
  totalSteps: number;
  /** The lowest validation loss and its step; absent when no validation pass had a finite loss. */
  bestStep?: number;
  bestValidLoss?: number;
  /** The step whose weights adapterDir holds: bestStep with keepBest, else the last (0 when cancelled). */
  adapterStep: number;
};

export type GenerateOptions = {
  maxTokens?: number;
  /** 0 = greedy. */
  temperature?: number;
  topP?: number;
  seed?: number | bigint;
  /** Defaults to the model's eos ids. Stop strings are TypeScript's job (it decodes the stream). */
  stopTokenIds?: number[];
  adapterDir?: string;
};

export type GenerateResult = { tokens: number[]; finishReason: "stop" | "length" | "cancelled" };

/**
 * A loaded model. One long operation at a time: starting another while one runs rejects with an error
 * naming both. Promise-returning methods report every failure (bad arguments as TypeError) by rejecting.
 */
export interface NativeModel {
  info(): ModelInfo;
  train(examples: TrainExample[], validation: TrainExample[] | null, options: TrainOptions, onProgress?: (report: StepReport) => void): Promise<TrainResult>;
  /** Natural-log p(t[i+1] | t[0..i]) for i = 0..n−2, base model or with a PEFT adapter. */
  logprobs(tokens: number[] | Int32Array, adapterDir?: string): Promise<number[]>;
  generate(prompts: (number[] | Int32Array)[], options?: GenerateOptions, onToken?: (index: number, token: number) => void): Promise<GenerateResult[]>;
  /** Writes base + adapter as a bf16 HF folder (config + weights; copy tokenizer files yourself). */
  merge(adapterDir: string, outDir: string): Promise<void>;
  /** Asks the running operation to stop at its next safe point; false when nothing was running. */
  cancel(): boolean;
  /** Frees the weights now; throws while an operation runs. */
  close(): void;
  /** Name of the running operation, or null. */
  readonly busy: string | null;
  readonly closed: boolean;
}

export interface CudaDeviceInfo {
  index: number;
  name: string;
  totalBytes: number;
  /** Compute capability × 10 (80 = A100, 90 = H100/H200). */
  sm: number;
}

export interface NativeAddon {
  loadModel(options: LoadOptions): Promise<NativeModel>;
  /** Compute backends compiled in: "cpu", plus "cuda" when built with nvcc. */
  backendsBuilt(): string[];
  /**
   * CUDA devices the cuda backend can use (sm_80+); reason says why when there are none. gemms: where that
   * backend's matrix products will run, as far as the process can tell without touching a device:
   * "cublaslt <version> (<library>)", "wmma (<why libcublasLt does not load>)" for our slower built-in kernels,
   * "unusable (<why>)" when TF_CUDA_GEMM makes every GEMM fail, or "none (...)" without a CUDA build.
   */
  cudaDevices(): { devices: CudaDeviceInfo[]; reason: string | null; gemms: string };
  /**
   * Free and total memory of a visible CUDA device (default 0) right now, counting every process's use. Creates
   * the device's context in this process if it has none (a few hundred MiB on a GPU), so only processes that use
   * the device ask. Throws when CUDA is not built or the device is not usable.
   */
  cudaMemory(device?: number): { freeBytes: number; totalBytes: number };
  /**
   * The bench's 100 %: best fp32 GEMM GFLOP/s of the CPU kernels (backend "cpu", default), or best bf16 GEMM
   * GFLOP/s (fp32 accumulation) on CUDA device 0 (backend "cuda"; rejects without a device). size: the cuda
   * backend's square GEMM order (default 8192, a multiple of 128; smaller for small or emulated devices), not
   * accepted with "cpu".
   */
  gemmPeakGflops(options?: { threads?: number; seconds?: number; backend?: "cpu" | "cuda"; size?: number }): Promise<number>;
  /** The widest SIMD instruction set the kernels detected ("avx512", "avx2", "scalar"). */
  cpuIsa(): string;
  /** The class of loaded models (for instanceof); construct models with loadModel. */
  readonly Model: { prototype: NativeModel };
}

// Computed on use, not at import: bundlers (Next) may rewrite import.meta.url, and callers there pass a root.
function defaultRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
}

/**
 * TUNEFORGE_NATIVE_ADDON: load the addon from this file instead of <root>/native/build/Release — a build kept
 * apart (say a CUDA build beside a CPU-only one), or the addon linked against the CUDA emulator
 * (native/build/cmake/tuneforge_native_emu.node), which the cuda-path tests run on machines without a GPU.
 */
export const NATIVE_ADDON_ENV = "TUNEFORGE_NATIVE_ADDON";

export function nativeAddonPath(root: string = defaultRoot()): string {
  const override = process.env[NATIVE_ADDON_ENV];
  return override ? path.resolve(override) : path.join(root, NATIVE_ADDON_RELATIVE_PATH);
}

/** How messages name the addon file: the usual relative path, or the override with where it came from. */
function addonLabel(file: string): string {
  return process.env[NATIVE_ADDON_ENV] ? `${file} (${NATIVE_ADDON_ENV})` : NATIVE_ADDON_RELATIVE_PATH;
}

const cache = new Map<string, NativeAddon>();

/** The addon, or an Error saying what is missing and what to do. */
export function loadNativeAddon(root: string = defaultRoot()): NativeAddon {
  const file = nativeAddonPath(root);
  const cached = cache.get(file);
  if (cached) return cached;
  const label = addonLabel(file);
  if (!fs.existsSync(file)) {
    if (process.env[NATIVE_ADDON_ENV]) throw new Error(`native addon not found at ${label}: point ${NATIVE_ADDON_ENV} at a built .node file or unset it`);
    throw new Error(`${NATIVE_NOT_BUILT_MESSAGE} (looked for ${label})`);
  }
  let addon: NativeAddon;
  try {
    // createRequire from the file itself: bundlers leave a runtime path alone, and Node loads .node files.
    addon = createRequire(file)(file) as NativeAddon;
  } catch (err) {
    throw new Error(
      `native addon at ${label} failed to load (${(err as Error).message}); rebuild it with \`npm run native:build\`. ` +
        "The dashboard still runs with local training disabled",
    );
  }
  if (typeof addon.loadModel !== "function" || typeof addon.backendsBuilt !== "function" || typeof addon.cudaDevices !== "function") {
    throw new Error(`native addon at ${label} is from an older build (no loadModel/backendsBuilt/cudaDevices); rebuild it with \`npm run native:build\``);
  }
  cache.set(file, addon);
  return addon;
}

/**
 * Runs one model operation under an AbortSignal: aborting calls model.cancel(), and the operation then
 * ends at its next safe point (train resolves with cancelled: true; generate returns what it has).
 */
export async function withAbort<T>(model: NativeModel, signal: AbortSignal | undefined, start: () => Promise<T>): Promise<T> {
  if (!signal) return start();
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("aborted before it started");
  // Listen before starting: start() may itself trigger the abort (a callback that runs synchronously).
  const onAbort = () => model.cancel();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await start();
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
