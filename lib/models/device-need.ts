import type { LocalConfig } from "../jobs/local/config";
import { estimateMemory, FP32_BYTES, HALF_BYTES, layerActivationValues, microBatchSeqLen, type MemoryInput } from "./memory";
import type { LocalModel } from "./scan";
import { attentionLayers } from "./shape";

// Device memory a GPU worker's work will take, for sharing the device between a training run and playground
// replies (lib/workers/device-share.ts). Both come from the same arithmetic as the launch form's estimate
// (memory.ts), in bf16, the CUDA backend's precision, and a checkpointed run counts each layer's kept attention
// block — output, q, k, v, residual — (what it holds with room; the fit check judges on the least it needs): a reply
// beside it must not take the room that makes it faster. A run asked to go without checkpointing that the device
// has no room for is counted checkpointed, as the CUDA backend will run it. Infinity when the model's shape or weights cannot be read: unknown is treated as
// "does not fit", never as free.

/** Rows of fp32 logits the device's forward-only plan holds at once (native/cuda/host/arena_plan.h kLogitsChunkRows). */
export const LOGITS_CHUNK_ROWS = 2048;

type Tokens = { prompt: number; context: number };

/**
 * A reply's device memory: the model's bf16 weights (the playground loads base models unquantized) unless it is
 * already loaded there, the bf16 KV cache for the whole context (keys and values, every layer), and the prompt's
 * forward: the decoder's forward-only plan alternates two residual-stream buffers and holds one layer's
 * intermediates per prompt token, in bf16, plus one chunk of fp32 logits rows.
 */
export function replyDeviceBytes(model: Pick<LocalModel, "shape" | "parameters">, tokens: Tokens, loaded: boolean): number {
  const { shape, parameters } = model;
  if (!shape || !parameters) return Infinity;
  const weights = loaded ? 0 : parameters * HALF_BYTES;
  const kvCache = kvValues(shape, tokens.context) * HALF_BYTES;
  const prefill = tokens.prompt * (2 * shape.hiddenSize + layerActivationValues(shape, 0)) * HALF_BYTES + Math.min(tokens.prompt, LOGITS_CHUNK_ROWS) * shape.vocabSize * FP32_BYTES;
  return weights + kvCache + prefill;
}

/**
 * An evaluation's device memory for one local model: its bf16 weights, a KV cache for each of `sequences` prompts
 * decoded together (the run's concurrency: generate_batch admits them while memory lasts), and one prompt's
 * forward at a time (prompts are prefilled one by one).
 */
export function evalDeviceBytes(model: Pick<LocalModel, "shape" | "parameters">, tokens: Tokens & { sequences: number }): number {
  const { shape } = model;
  if (!shape) return Infinity;
  return replyDeviceBytes(model, tokens, false) + Math.max(0, tokens.sequences - 1) * kvValues(shape, tokens.context) * HALF_BYTES;
}

/**
 * The same reply on the CPU backend, in host RAM: fp32 weights (what the CPU backend holds unquantized weights in)
 * unless loaded there, an fp32 KV cache, and the prompt's forward in fp32 (one layer at a time).
 */
export function replyHostBytes(model: Pick<LocalModel, "shape" | "parameters">, tokens: Tokens, loaded: boolean): number {
  const { shape, parameters } = model;
  if (!shape || !parameters) return Infinity;
  const weights = loaded ? 0 : parameters * FP32_BYTES;
  return weights + (kvValues(shape, tokens.context) + tokens.prompt * (2 * shape.hiddenSize + layerActivationValues(shape, 0)) + shape.vocabSize) * FP32_BYTES;
}

/** Keys and values for every attention layer (all but LFM2's conv layers, which cache 2·H values) and position of a context. */
function kvValues(shape: NonNullable<LocalModel["shape"]>, context: number): number {
  return 2 * attentionLayers(shape) * shape.numKvHeads * shape.headDim * context + (shape.convLayers ?? 0) * 2 * shape.hiddenSize;
}

/**
 * A local training run's device memory: the launch form's estimate. Before the run has read its data that is at the
 * configured maximum sequence length (the longest micro-batch a run can see), an upper bound for runs whose
 * examples are shorter. Once it knows `longestExample` (tokens, already cut at the maximum), the micro-batches are
 * padded to at most that, as in the launch form's estimate (local-estimate.ts); packed rows still fill the maximum.
 */
/**
 * Sequences one forward/backward pass of the trainer holds: the micro-batch, or under DPO (batch size in pairs) both
 * answers of each pair, as TRL concatenates them (native/src/train/preference.h).
 */
export const sequencesPerPass = (batchSize: number, dpo: boolean): number => (dpo ? 2 * batchSize : batchSize);

/** `data.dpo`: the job trains preference pairs (job method "dpo"). */
export function trainingDeviceBytes(
  model: Pick<LocalModel, "shape" | "parameters" | "contextLength">,
  config: LocalConfig,
  data: { longestExample?: number; dpo?: boolean } = {},
  deviceTotalBytes?: number,
): number {
  const { shape, parameters } = model;
  if (!shape || !parameters) return Infinity;
  const t = config.training;
  const seqLen = microBatchSeqLen(Math.min(t.maxSeqLen, model.contextLength ?? t.maxSeqLen), t.packing, data.longestExample);
  const input: MemoryInput = {
    shape,
    parameters,
    seqLen,
    batchSize: sequencesPerPass(t.batchSize, data.dpo ?? false),
    lora: { rank: config.lora.rank, targets: config.lora.targets },
    doubleQuant: config.quantization.doubleQuant,
    gradientCheckpointing: t.gradientCheckpointing,
    precision: "bf16",
  };
  const method = config.quantization.quant === "nf4" ? "qlora" : "lora";
  const asked = estimateMemory(input, method).total;
  // A run without checkpointing on a device without room for every layer's activations (and the headroom its step
  // keeps) checkpoints (native/cuda/backend/cuda_llama_train.cc): it holds the checkpointed figure, and reserving
  // the other, perhaps more than the device, would send every reply beside it to the CPU for nothing.
  if (t.gradientCheckpointing || deviceTotalBytes === undefined || asked + stepHeadroomBytes(deviceTotalBytes) <= deviceTotalBytes) return asked;
  return Math.min(asked, estimateMemory({ ...input, gradientCheckpointing: true }, method).total);
}

/** What the CUDA backend's training step keeps free beyond its arena: max(64 MiB, 1 % of the device). */
export function stepHeadroomBytes(deviceTotalBytes: number): number {
  return Math.max(64 * 2 ** 20, deviceTotalBytes / 100);
}
