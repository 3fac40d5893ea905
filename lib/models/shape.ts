// The shape numbers of a Llama-family config.json that memory estimates need. Everything here is plain
// arithmetic on config.json, so the browser can import it too.

import type { ModelInfo } from "../../native/index";

/** The same fields, under the same names, as the native addon's ModelInfo (what a loaded model reports). */
export type ModelShape = Pick<ModelInfo, "vocabSize" | "hiddenSize" | "intermediateSize" | "numLayers" | "numHeads" | "numKvHeads" | "headDim" | "tieWordEmbeddings"> &
  Partial<Pick<ModelInfo, "qkNorm">>;

const posInt = (v: unknown): number | null => (typeof v === "number" && Number.isInteger(v) && v > 0 ? v : null);

function isQwen3(config: Record<string, unknown>): boolean {
  const arch = Array.isArray(config.architectures) ? config.architectures[0] : undefined;
  return arch === "Qwen3ForCausalLM" || (arch === undefined && config.model_type === "qwen3");
}

/** The shape, or null when config.json lacks a number the Llama layout needs. */
export function shapeFromConfig(config: Record<string, unknown>): ModelShape | null {
  const vocabSize = posInt(config.vocab_size);
  const hiddenSize = posInt(config.hidden_size);
  const intermediateSize = posInt(config.intermediate_size);
  const numLayers = posInt(config.num_hidden_layers);
  const numHeads = posInt(config.num_attention_heads);
  if (!vocabSize || !hiddenSize || !intermediateSize || !numLayers || !numHeads) return null;
  // num_key_value_heads absent = plain multi-head attention; head_dim absent = hidden / heads (HF semantics), except
  // for Qwen3, whose config class defaults it to 128 (native/src/io/config.cc reads it the same way).
  const numKvHeads = posInt(config.num_key_value_heads) ?? numHeads;
  const headDim = posInt(config.head_dim) ?? (isQwen3(config) ? 128 : Math.floor(hiddenSize / numHeads));
  const shape: ModelShape = { vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, tieWordEmbeddings: config.tie_word_embeddings === true };
  if (isQwen3(config)) shape.qkNorm = true;
  return shape;
}

export type LinearModule = "q_proj" | "k_proj" | "v_proj" | "o_proj" | "gate_proj" | "up_proj" | "down_proj";

/** [in, out] features of each per-layer linear module (weights are [out, in]). */
export function linearDims(s: ModelShape): Record<LinearModule, { in: number; out: number }> {
  const q = s.numHeads * s.headDim;
  const kv = s.numKvHeads * s.headDim;
  return {
    q_proj: { in: s.hiddenSize, out: q },
    k_proj: { in: s.hiddenSize, out: kv },
    v_proj: { in: s.hiddenSize, out: kv },
    o_proj: { in: q, out: s.hiddenSize },
    gate_proj: { in: s.hiddenSize, out: s.intermediateSize },
    up_proj: { in: s.hiddenSize, out: s.intermediateSize },
    down_proj: { in: s.intermediateSize, out: s.hiddenSize },
  };
}

/** Parameters of all per-layer linear weights: what QLoRA quantizes to NF4 (bitsandbytes leaves embeddings, norms and lm_head alone). */
export function layerLinearParameters(s: ModelShape): number {
  return s.numLayers * Object.values(linearDims(s)).reduce((n, d) => n + d.in * d.out, 0);
}

/** Total parameters from the shape alone (Llama layout without biases): for when no weights are readable. */
export function shapeParameters(s: ModelShape): number {
  const embed = s.vocabSize * s.hiddenSize;
  const norms = s.hiddenSize * (2 * s.numLayers + 1) + (s.qkNorm ? 2 * s.headDim * s.numLayers : 0);
  return layerLinearParameters(s) + embed + (s.tieWordEmbeddings ? 0 : embed) + norms;
}
