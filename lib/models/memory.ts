import { attentionLayers, layerLinearParameters, loraParameterCount, type LinearModule, type ModelShape } from "./shape";

// Training memory for one model at a sequence length and micro-batch, for QLoRA, LoRA and full fine-tuning,
// split into the parts people trade off: frozen weights, LoRA parameters, optimizer state, gradients and
// activations. Facts from /work/shared/reference/trainer.md (bitsandbytes, PEFT, QLoRA paper); the rest is the
// Llama layout counted tensor by tensor. Pure arithmetic, shared by the API, the Models page and the CLI.
//
// What is NOT counted: the CUDA context and allocator slack (a few hundred MiB, see fit.ts's headroom),
// the tokenizer and the dataset, dequantization scratch buffers (two projections' weights at a time).

export const TRAINING_METHODS = ["qlora", "lora", "full"] as const;
export type TrainingMethod = (typeof TRAINING_METHODS)[number];

/** bf16/fp16: the dtype frozen weights and activations are held in on a GPU. */
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
  /** Keep each layer's input and attention output and recompute the rest in backward. */
  gradientCheckpointing?: boolean;
  /**
   * With checkpointing: count each layer's kept attention output (default true, what the trainer holds with room).
   * False gives the least a checkpointed run needs: the CUDA backend drops them and redoes the attention when the
   * device is short (native/cuda/backend/cuda_llama_train.cc), so whether a run fits is judged on that.
   */
  keepAttention?: boolean;
  /**
   * With keepAttention: count each layer's kept q, k, v and post-attention residual too (nh·hd + 2·nkv·hd + H),
   * which the CUDA backend keeps with room so its recompute skips the q/k/v/o projections (it drops them first when
   * short). Default: on for bf16 (the CUDA backend), off for fp32 (the CPU backend keeps only the attention output).
   */
  keepAttentionInputs?: boolean;
  /**
   * What unquantized weights and activations are held in: bf16 on the CUDA backend (default), fp32 on the CPU
   * backend (the native CPU trainer holds everything but NF4 weights in fp32).
   */
  precision?: Precision;
};

export type Precision = "bf16" | "fp32";
export const PRECISION_BYTES: Record<Precision, number> = { bf16: HALF_BYTES, fp32: FP32_BYTES };

export type MemoryParts = { weights: number; lora: number; optimizer: number; gradients: number; activations: number };
export type MemoryEstimate = {
  method: TrainingMethod;
  /** Bytes per part; `total` is their sum. */
  parts: MemoryParts;
  total: number;
  trainableParameters: number;
};

/**
 * The sequence length a run's micro-batches reach, which its activation memory follows: rows are padded to the
 * longest example in them, so at most the data's longest (tokens, already cut at the maximum); packed rows fill the
 * maximum; before the data is read, the maximum.
 */
export function microBatchSeqLen(maxSeqLen: number, packing: boolean, longestExample?: number): number {
  return longestExample === undefined || packing ? maxSeqLen : Math.max(2, Math.min(maxSeqLen, longestExample));
}

/**
 * PEFT's count: each adapted module adds A [r, in] and B [out, r], i.e. r·(in + out), in every layer. On a model with
 * fused projections q, k and v are one module with one A (Phi-3), and gate and up another (Phi-3, GLM-4), as the
 * trainer adapts them.
 */
export function loraParameters(shape: ModelShape, rank: number, targets: readonly LinearModule[]): number {
  return loraParameterCount(shape, rank, targets);
}

/**
 * Activation values kept for backward, per token, as the native trainer lays them out (native/src/model:
 * LlamaModel::activation_bytes, whose figure each training step reports as memoryBytes). Per layer: the layer
 * input (H), both RMSNorm inputs/outputs and the residual (4·H; 2·H on OLMo 2 and 3, whose sublayers read their inputs
 * unnormalized where they are kept), q and k before and after RoPE (2·(nh·hd) +
 * 2·(nkv·hd)), gate, up and silu(gate)·up (3·I), one matmul-input scratch (max(H, I)), the LoRA A outputs
 * and dropout masks (7·r, 0 without LoRA), two norm statistics (2; none on OLMo), and one log-sum-exp per query head (nh):
 * attention is computed in blocks, so no T×T probability matrix is kept. Outside the layers: the logits (V)
 * and the final norm and residual-stream gradients (3·H). With gradient checkpointing each layer's input stays,
 * plus one layer recomputed, plus every other layer's attention output and log-sum-exp (nh·hd + nh), which the
 * recompute does not redo, and with keepAttentionInputs its q, k, v and post-attention residual (nh·hd + 2·nkv·hd
 * + H), so the recompute does not redo the q/k/v/o projections either (the CUDA backend keeps those with room and
 * drops them first, then the attention output, when they would not fit). Like the rest, the log-sum-exps count as
 * values of valueBytes; on a GPU they are fp32, a few bytes per token more. Qwen3 (qkNorm) adds q and k before
 * their per-head norms and a statistic per head ((nh + nkv)·(hd + 1)), kept with the attention inputs too.
 * Gemma, OLMo 2 and GLM-4 (sandwichNorms) add the o and down projections' outputs before their norms and those norms'
 * statistics (2·H + 2), o's kept with the attention inputs too (H + 1). Fused projections add one buffer for a fused
 * output or its gradient, outside the layers: the wider of q+k+v (fusedQkv) and gate+up (fusedGateUp) on Phi-3, gate+up
 * alone on GLM-4.
 */
export function activationValuesPerToken(shape: ModelShape, rank: number, checkpointing = false, keepAttention = true, keepAttentionInputs = false): number {
  const { hiddenSize: H, numLayers: L, vocabSize: V, numHeads: nh, numKvHeads: nkv, headDim: hd } = shape;
  const perLayer = layerActivationValues(shape, rank);
  const keptInputs = nh * hd + 2 * nkv * hd + H + qkNormValues(shape) + (shape.sandwichNorms ? H + 1 : 0);
  const keptPerLayer = keepAttention ? nh * hd + nh + (keepAttentionInputs ? keptInputs : 0) : 0;
  // LFM2's conv layers keep their own intermediates (convLayerActivationValues) and, checkpointed, their gated output
  // (H), with keepAttentionInputs also in_proj's output and the residual after the operator (3·H + H), as the CUDA
  // backend's arena does (native/cuda/host/arena_plan.cc).
  const conv = shape.convLayers ?? 0;
  const attn = attentionLayers(shape);
  const perConv = conv ? convLayerActivationValues(shape, rank) : 0;
  const keptConv = keepAttention ? H + (keepAttentionInputs ? 4 * H : 0) : 0;
  // Checkpointed: one layer of the larger kind recomputed, every other layer's operator output kept.
  const kept = attn * keptPerLayer + conv * keptConv - (attn ? keptPerLayer : keptConv);
  const layers = checkpointing ? L * H + Math.max(attn ? perLayer : 0, perConv) + kept : L * H + attn * perLayer + conv * perConv;
  // Fused projections: one buffer for a fused output before its split, or its gradient before the fused backward, as
  // wide as the widest fused module the model has.
  const fused = Math.max(shape.fusedQkv ? nh * hd + 2 * nkv * hd : 0, shape.fusedGateUp ? 2 * shape.intermediateSize : 0);
  return layers + fused + V + 3 * H;
}

/** One layer's intermediates per token beyond its input (the per-layer part of activationValuesPerToken). */
export function layerActivationValues(shape: ModelShape, rank: number): number {
  const { hiddenSize: H, intermediateSize: I, numHeads: nh, numKvHeads: nkv, headDim: hd } = shape;
  const normsAndResidual = shape.inputNorms === false ? 2 * H : 4 * H + 2;
  return normsAndResidual + 2 * nh * hd + 2 * nkv * hd + 3 * I + Math.max(H, I) + 7 * rank + nh + qkNormValues(shape) + (shape.sandwichNorms ? 2 * H + 2 : 0);
}

/**
 * One of LFM2's conv layers per token: what an attention layer keeps but its q, k, v, the log-sum-exps and the q/k
 * norms' inputs; instead in_proj's output (B, C, x: 3·H), the convolution (H) and its gated output (H), as
 * LlamaModel::activation_bytes counts them.
 */
export function convLayerActivationValues(shape: ModelShape, rank: number): number {
  const { hiddenSize: H, intermediateSize: I } = shape;
  const normsAndResidual = shape.inputNorms === false ? 2 * H : 4 * H + 2;
  return normsAndResidual + 5 * H + 3 * I + Math.max(H, I) + 7 * rank + (shape.sandwichNorms ? 2 * H + 2 : 0);
}

/**
 * Qwen3's q/k norms keep their inputs (q and k before the norm) and one statistic per head for backward; OLMo 2's,
 * normalizing q and k whole, one statistic for each.
 */
function qkNormValues(shape: ModelShape): number {
  const { numHeads: nh, numKvHeads: nkv, headDim: hd } = shape;
  return shape.qkNorm ? (nh + nkv) * hd + (shape.qkNormWhole ? 2 : nh + nkv) : 0;
}

/** Activation bytes per token: values × 4 on the CPU backend (fp32); × 2 for a bf16 GPU backend. */
export function activationBytesPerToken(shape: ModelShape, rank: number, checkpointing = false, valueBytes = HALF_BYTES, keepAttention = true, keepAttentionInputs = false): number {
  return activationValuesPerToken(shape, rank, checkpointing, keepAttention, keepAttentionInputs) * valueBytes;
}

export function estimateMemory(input: MemoryInput, method: TrainingMethod): MemoryEstimate {
  const { shape, parameters } = input;
  const valueBytes = PRECISION_BYTES[input.precision ?? "bf16"];
  const tokens = input.seqLen * input.batchSize;
  // Full fine-tuning has no LoRA intermediates to keep.
  const keepAttention = input.keepAttention ?? true;
  const keepInputs = input.keepAttentionInputs ?? (keepAttention && (input.precision ?? "bf16") === "bf16");
  const activations = tokens * activationBytesPerToken(shape, method === "full" ? 0 : input.lora.rank, input.gradientCheckpointing, valueBytes, keepAttention, keepInputs);
  if (method === "full") {
    // Every parameter trains: bf16 weights + bf16 gradients + AdamW's two fp32 moments = 12 bytes/parameter (16 in fp32).
    return finish(method, { weights: parameters * valueBytes, lora: 0, gradients: parameters * valueBytes, optimizer: parameters * ADAMW_STATE_BYTES, activations }, parameters);
  }
  const adapter = loraParameters(shape, input.lora.rank, input.lora.targets);
  let weights: number;
  if (method === "qlora") {
    // bitsandbytes quantizes the per-layer linear weights only; embedding, norms and lm_head stay bf16 (fp32 on CPU).
    const quantized = Math.min(layerLinearParameters(shape), parameters);
    const bits = input.doubleQuant === false ? NF4_BITS : NF4_DOUBLE_QUANT_BITS;
    weights = (quantized * bits) / 8 + (parameters - quantized) * valueBytes;
  } else {
    weights = parameters * valueBytes;
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

/** Bytes as GiB (or MiB below 1 GiB), the units GPU memory is sold and reported in; "an unknown amount" for Infinity. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "an unknown amount";
  const GiB = 1024 ** 3;
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(bytes >= 100 * GiB ? 0 : bytes >= 10 * GiB ? 1 : 2)} GiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
