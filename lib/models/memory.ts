import { layerLinearParameters, linearDims, type LinearModule, type ModelShape } from "./shape";

// Training memory for one model at a sequence length and micro-batch, for QLoRA, LoRA and full fine-tuning,
// split into the parts people trade off: frozen weights, LoRA parameters, optimizer state, gradients and
// activations. Facts from /work/shared/reference/trainer.md (bitsandbytes, PEFT, QLoRA paper); the rest is the
// Llama layout counted tensor by tensor. Pure arithmetic, shared by the API, the Models page and the CLI.
//
// What is NOT counted: the CUDA context and allocator slack (a few hundred MiB, see fit.ts's headroom),
// the tokenizer and the dataset, dequantization scratch buffers (one layer's weight at a time).

export const TRAINING_METHODS = ["qlora", "lora", "full"] as const;
export type TrainingMethod = (typeof TRAINING_METHODS)[number];

/** bf16/fp16: the dtype frozen weights and activations are held in. */
export const HALF_BYTES = 2;
/** LoRA A/B matrices and their gradients stay in fp32 (PEFT upcasts adapters on quantized bases). */
export const FP32_BYTES = 4;
/** AdamW keeps two fp32 moments (m and v) per trainable parameter. */
export const ADAMW_STATE_BYTES = 2 * FP32_BYTES;
/** NF4 costs 4 bits + one fp32 absmax per block of 64 = 4.5 bits; double quant (8-bit absmax, one fp32 per 256 blocks) ≈ 4.127 bits. */
export const NF4_BITS = 4.5;
export const NF4_DOUBLE_QUANT_BITS = 4.127;

export type MemoryInput = {
  shape: ModelShape;
  /** All parameters (from the safetensors headers); embedding, norms and lm_head included. */
  parameters: number;
  seqLen: number;
  /** Micro-batch: sequences in one forward/backward (gradient accumulation does not add memory). */
  batchSize: number;
  lora: { rank: number; targets: readonly LinearModule[] };
  /** NF4 only (QLoRA). Default true, the seed's setting. */
  doubleQuant?: boolean;
  /** Keep only each layer's input and recompute the rest in backward. */
  gradientCheckpointing?: boolean;
};

export type MemoryParts = { weights: number; lora: number; optimizer: number; gradients: number; activations: number };
export type MemoryEstimate = {
  method: TrainingMethod;
  /** Bytes per part; `total` is their sum. */
  parts: MemoryParts;
  total: number;
  trainableParameters: number;
};

/** PEFT's count: each adapted module adds A [r, in] and B [out, r], i.e. r·(in + out), in every layer. */
export function loraParameters(shape: ModelShape, rank: number, targets: readonly LinearModule[]): number {
  const dims = linearDims(shape);
  return shape.numLayers * targets.reduce((n, t) => n + rank * (dims[t].in + dims[t].out), 0);
}

/**
 * Activation bytes kept for backward, per sequence token. Per layer (bf16), the tensors backward reads:
 * the two RMSNorm inputs and outputs (4·H), q/k/v ((nh + 2·nkv)·hd), the attention output fed to o_proj
 * (nh·hd), gate, up and silu(gate)·up (3·I), and the softmax probabilities (nh·T per token: eager attention,
 * no flash kernel). Plus the logits and their gradient in fp32 (2·V·4 bytes), the largest single tensor for
 * big vocabularies. With gradient checkpointing only each layer's input (H) stays, plus one layer recomputed.
 */
export function activationBytesPerToken(shape: ModelShape, seqLen: number, checkpointing = false): number {
  const { hiddenSize: H, intermediateSize: I, numHeads: nh, numKvHeads: nkv, headDim: hd, numLayers: L, vocabSize: V } = shape;
  const perLayer = 4 * H + (nh + 2 * nkv) * hd + nh * hd + 3 * I + nh * seqLen;
  const layers = checkpointing ? L * H + perLayer : L * perLayer;
  const logits = 2 * V * FP32_BYTES;
  return layers * HALF_BYTES + logits;
}

export function estimateMemory(input: MemoryInput, method: TrainingMethod): MemoryEstimate {
  const { shape, parameters } = input;
  const tokens = input.seqLen * input.batchSize;
  const activations = tokens * activationBytesPerToken(shape, input.seqLen, input.gradientCheckpointing);
  if (method === "full") {
    // Every parameter trains: bf16 weights + bf16 gradients + AdamW's two fp32 moments = 12 bytes/parameter.
    return finish(method, { weights: parameters * HALF_BYTES, lora: 0, gradients: parameters * HALF_BYTES, optimizer: parameters * ADAMW_STATE_BYTES, activations }, parameters);
  }
  const adapter = loraParameters(shape, input.lora.rank, input.lora.targets);
  let weights: number;
  if (method === "qlora") {
    // bitsandbytes quantizes the per-layer linear weights only; embedding, norms and lm_head stay bf16.
    const quantized = Math.min(layerLinearParameters(shape), parameters);
    const bits = input.doubleQuant === false ? NF4_BITS : NF4_DOUBLE_QUANT_BITS;
    weights = (quantized * bits) / 8 + (parameters - quantized) * HALF_BYTES;
  } else {
    weights = parameters * HALF_BYTES;
  }
  // Frozen weights get no gradient: only the adapter has fp32 gradients and AdamW state.
  return finish(method, { weights, lora: adapter * FP32_BYTES, gradients: adapter * FP32_BYTES, optimizer: adapter * ADAMW_STATE_BYTES, activations }, adapter);
}

function finish(method: TrainingMethod, parts: MemoryParts, trainableParameters: number): MemoryEstimate {
  const rounded = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, Math.round(v)])) as MemoryParts;
  const total = rounded.weights + rounded.lora + rounded.optimizer + rounded.gradients + rounded.activations;
  return { method, parts: rounded, total, trainableParameters };
}

/** QLoRA, LoRA and full fine-tuning side by side. */
export function estimateAllMethods(input: MemoryInput): MemoryEstimate[] {
  return TRAINING_METHODS.map((m) => estimateMemory(input, m));
}
