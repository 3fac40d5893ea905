import type { LocalConfig } from "../jobs/local/config";
import { activationBytesPerToken, estimateMemory, HALF_BYTES } from "./memory";
import type { LocalModel } from "./scan";

// Device memory a GPU worker's work will take, for sharing the device between a training run and playground
// replies (lib/workers/device-share.ts). Both come from the same arithmetic as the launch form's fit check
// (memory.ts), in bf16, the CUDA backend's precision. Infinity when the model's shape or weights cannot be read:
// unknown is treated as "does not fit", never as free.

/**
 * A reply's device memory: the model's bf16 weights (the playground loads base models unquantized) unless it is
 * already loaded there, the bf16 KV cache for the whole context (keys and values, every layer), and the prompt's
 * forward pass.
 */
export function replyDeviceBytes(model: Pick<LocalModel, "shape" | "parameters">, tokens: { prompt: number; context: number }, loaded: boolean): number {
  const { shape, parameters } = model;
  if (!shape || !parameters) return Infinity;
  const weights = loaded ? 0 : parameters * HALF_BYTES;
  const kvCache = 2 * shape.numLayers * shape.numKvHeads * shape.headDim * tokens.context * HALF_BYTES;
  // The prompt's forward keeps every layer's input and one layer's intermediates at a time (the decoder's plan),
  // which is the gradient-checkpointing layout of the activation count.
  const prefill = tokens.prompt * activationBytesPerToken(shape, 0, true);
  return weights + kvCache + prefill;
}

/**
 * A local training run's device memory: the launch form's estimate at the configured maximum sequence length (the
 * longest micro-batch a run can see), so it is an upper bound for runs whose examples are shorter.
 */
export function trainingDeviceBytes(model: Pick<LocalModel, "shape" | "parameters" | "contextLength">, config: LocalConfig): number {
  const { shape, parameters } = model;
  if (!shape || !parameters) return Infinity;
  const t = config.training;
  const seqLen = Math.min(t.maxSeqLen, model.contextLength ?? t.maxSeqLen);
  return estimateMemory(
    {
      shape,
      parameters,
      seqLen,
      batchSize: t.batchSize,
      lora: { rank: config.lora.rank, targets: config.lora.targets },
      doubleQuant: config.quantization.doubleQuant,
      gradientCheckpointing: t.gradientCheckpointing,
      precision: "bf16",
    },
    config.quantization.quant === "nf4" ? "qlora" : "lora",
  ).total;
}
