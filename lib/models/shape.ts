// The shape numbers of a Llama-family (or Gemma 2 / Gemma 3 text, GLM-4) config.json that memory estimates need.
// Everything here is plain arithmetic on config.json, so the browser can import it too.

import type { ModelInfo } from "../../native/index";

/** The same fields, under the same names, as the native addon's ModelInfo (what a loaded model reports). */
export type ModelShape = Pick<ModelInfo, "vocabSize" | "hiddenSize" | "intermediateSize" | "numLayers" | "numHeads" | "numKvHeads" | "headDim" | "tieWordEmbeddings"> &
  Partial<Pick<ModelInfo, "qkNorm" | "qkNormWhole" | "sandwichNorms" | "inputNorms" | "fusedQkv" | "fusedGateUp" | "convLayers" | "convKernel">>;

const posInt = (v: unknown): number | null => (typeof v === "number" && Number.isInteger(v) && v > 0 ? v : null);

/** architectures[0] is the name; a config without architectures is known by model_type. */
function isArch(config: Record<string, unknown>, arch: string, modelType: string): boolean {
  const first: unknown = Array.isArray(config.architectures) ? config.architectures[0] : undefined;
  return first === arch || (first === undefined && config.model_type === modelType);
}
const isQwen3 = (config: Record<string, unknown>) => isArch(config, "Qwen3ForCausalLM", "qwen3");
const isGemma3 = (config: Record<string, unknown>) => isArch(config, "Gemma3ForCausalLM", "gemma3_text");
/** Gemma 2: Gemma 3's layer (sandwich norms, tied, head_dim 256 by default) without the q/k norms. */
const isGemma2 = (config: Record<string, unknown>) => isArch(config, "Gemma2ForCausalLM", "gemma2");
/** Phi-3 and Phi-4: q, k, v in one qkv_proj and gate, up in one gate_up_proj (the same weights, stacked). */
const isPhi3 = (config: Record<string, unknown>) => isArch(config, "Phi3ForCausalLM", "phi3");
/** OLMo 2, and OLMo 3 (OLMo 2's layer with sliding windows): output norms in place of input norms, q and k normalized whole. */
const isOlmo2 = (config: Record<string, unknown>) => isArch(config, "Olmo2ForCausalLM", "olmo2") || isArch(config, "Olmo3ForCausalLM", "olmo3");
/**
 * GLM-4 (GLM-4-9B-0414, GLM-4-32B-0414): output norms after both sublayers beside the input norms (plain weights, not
 * Gemma's 1 + w), gate and up in one gate_up_proj (q, k, v stay apart), head_dim 128 and untied by default.
 */
const isGlm4 = (config: Record<string, unknown>) => isArch(config, "Glm4ForCausalLM", "glm4");
/** EXAONE 4.0: OLMo 2's output norms without input norms, and per-head q/k norms (as Qwen3's). */
const isExaone4 = (config: Record<string, unknown>) => isArch(config, "Exaone4ForCausalLM", "exaone4");

/** Ministral 3: Mistral's layer (its query temperature and yarn change no shape), head_dim 128 by default. */
const isMinistral3 = (config: Record<string, unknown>) => isArch(config, "Ministral3ForCausalLM", "ministral3");
/** LFM2: gated short-convolution layers beside attention layers with per-head q/k norms (lfm2Decoder reads its keys). */
export const isLfm2 = (config: Record<string, unknown>) => isArch(config, "Lfm2ForCausalLM", "lfm2");
/** LFM2-VL: an LFM2 decoder (text_config) beside a SigLIP2 vision tower. */
const isLfm2Vl = (config: Record<string, unknown>) => isArch(config, "Lfm2VlForConditionalGeneration", "lfm2-vl") || config.model_type === "lfm2_vl";

/**
 * An LFM2 config.json in the keys the shape reads, as transformers' Lfm2Config takes it (native/src/io/config_lfm2.cc
 * likewise): its defaults (LFM2's 2560 wide, 32 layers, vocabulary 65536, 8 kv heads, 128000 positions, tied); the
 * MLP's width from block_ff_dim (or intermediate_size), two thirds of it times block_ffn_dim_multiplier rounded up to
 * block_multiple_of unless block_auto_adjust_ff_dim is false; tie_embedding before tie_word_embeddings; which layers
 * convolve from layer_types, else full_attn_idxs (default: none). Null when a size is not a positive integer.
 */
function lfm2Decoder(config: Record<string, unknown>): Record<string, unknown> | null {
  const num = (key: string, def: number): number | null => (config[key] === undefined || config[key] === null ? def : posInt(config[key]));
  const layers = num("num_hidden_layers", 32);
  let ff = num(config.block_ff_dim !== undefined ? "block_ff_dim" : "intermediate_size", 12288);
  if (layers === null || ff === null) return null;
  if (config.block_auto_adjust_ff_dim !== false) {
    ff = Math.floor((2 * ff) / 3);
    if (config.block_ffn_dim_multiplier !== null) {
      const mult = typeof config.block_ffn_dim_multiplier === "number" ? config.block_ffn_dim_multiplier : 1;
      const of = num("block_multiple_of", 256) ?? 256;
      ff = of * Math.ceil(Math.floor(mult * ff) / of);
    }
  }
  let conv: boolean[];
  if (Array.isArray(config.layer_types)) conv = config.layer_types.map((t) => t === "conv");
  else if (Array.isArray(config.full_attn_idxs)) conv = Array.from({ length: layers }, (_, l) => !(config.full_attn_idxs as unknown[]).includes(l));
  else conv = new Array<boolean>(layers).fill(false);
  const tie = typeof config.tie_embedding === "boolean" ? config.tie_embedding : typeof config.tie_word_embeddings === "boolean" ? config.tie_word_embeddings : true;
  return {
    architectures: ["Lfm2ForCausalLM"],
    vocab_size: num("vocab_size", 65536),
    hidden_size: num("hidden_size", 2560),
    intermediate_size: ff,
    num_hidden_layers: layers,
    num_attention_heads: num("num_attention_heads", 32),
    num_key_value_heads: num("num_key_value_heads", 8),
    ...(config.head_dim !== undefined ? { head_dim: config.head_dim } : {}),
    max_position_embeddings: num("max_position_embeddings", 128000),
    tie_word_embeddings: tie,
    conv_layers: conv.filter(Boolean).length,
    conv_kernel: num("conv_L_cache", 3),
  };
}

/**
 * The config classes' defaults an image-text checkpoint's text_config may leave out (gemma-3-4b-it gives 4 keys):
 * Gemma3TextConfig's, Ministral3Config's and MistralConfig's (Mistral3ForConditionalGeneration's text_config is one of
 * the two, "mistral" when its model_type is not given).
 */
const TEXT_DEFAULTS: Record<string, { architecture: string; defaults: Record<string, number> }> = {
  gemma3_text: { architecture: "Gemma3ForCausalLM", defaults: { vocab_size: 262208, hidden_size: 2304, intermediate_size: 9216, num_hidden_layers: 26, num_attention_heads: 8, num_key_value_heads: 4, max_position_embeddings: 131072 } },
  ministral3: { architecture: "Ministral3ForCausalLM", defaults: { vocab_size: 131072, hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 34, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 128, max_position_embeddings: 262144 } },
  mistral: { architecture: "MistralForCausalLM", defaults: { vocab_size: 32000, hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8, max_position_embeddings: 131072 } },
};

/**
 * The config the trainer reads the decoder from (native/src/io/config_families.cc decoder_config): an image-text
 * checkpoint's text_config with its class's defaults, as a …ForCausalLM (Gemma3ForConditionalGeneration: Gemma 3's text
 * model; Mistral3ForConditionalGeneration: Ministral 3's or Mistral's; Lfm2VlForConditionalGeneration: LFM2), its vision
 * tower not trained; any other config as
 * it is. Null when an image-text config has no usable text_config.
 */
export function decoderConfig(config: Record<string, unknown>): Record<string, unknown> | null {
  if (isLfm2(config)) return lfm2Decoder(config);
  if (isLfm2Vl(config)) {
    // Lfm2VlConfig: text_config an Lfm2Config (its defaults), the token ids outside it (config_lfm2.cc reads it so).
    const text = config.text_config;
    if (!text || typeof text !== "object" || Array.isArray(text)) return null;
    const t = text as Record<string, unknown>;
    if (t.model_type !== undefined && t.model_type !== "lfm2") return null;
    return lfm2Decoder({ ...t, architectures: ["Lfm2ForCausalLM"] });
  }
  const gemma3 = isArch(config, "Gemma3ForConditionalGeneration", "gemma3");
  if (!gemma3 && !isArch(config, "Mistral3ForConditionalGeneration", "mistral3")) return config;
  const text = config.text_config;
  if (!text || typeof text !== "object" || Array.isArray(text)) return null;
  const t = text as Record<string, unknown>;
  const kind = TEXT_DEFAULTS[gemma3 ? "gemma3_text" : typeof t.model_type === "string" ? t.model_type : "mistral"];
  if (!kind || (!gemma3 && kind.architecture === "Gemma3ForCausalLM")) return null;
  return { ...kind.defaults, ...t, architectures: [kind.architecture] };
}

/**
 * The shape, or null when config.json lacks a number the Llama layout needs. An image-text checkpoint's is its text
 * model's (decoderConfig), as the trainer reads it (its vision tower is not trained).
 */
export function shapeFromConfig(outer: Record<string, unknown>): ModelShape | null {
  const config = decoderConfig(outer);
  if (!config) return null;
  const vocabSize = posInt(config.vocab_size);
  const hiddenSize = posInt(config.hidden_size);
  const intermediateSize = posInt(config.intermediate_size);
  const numLayers = posInt(config.num_hidden_layers);
  const numHeads = posInt(config.num_attention_heads);
  if (!vocabSize || !hiddenSize || !intermediateSize || !numLayers || !numHeads) return null;
  // num_key_value_heads absent = plain multi-head attention; head_dim absent = hidden / heads (HF semantics), except
  // for Qwen3, GLM-4, Ministral 3 and Gemma 2 / 3, whose config classes default it to 128, 128, 128 and 256
  // (native/src/io/config.cc reads it the same way).
  const gemma3 = isGemma3(config);
  const gemma = gemma3 || isGemma2(config);
  const glm4 = isGlm4(config);
  const numKvHeads = posInt(config.num_key_value_heads) ?? numHeads;
  const headDim = posInt(config.head_dim) ?? (isQwen3(config) || glm4 || isMinistral3(config) ? 128 : gemma ? 256 : Math.floor(hiddenSize / numHeads));
  // Gemma2Config and Gemma3TextConfig tie lm_head to the embedding unless told otherwise (gemma-3-1b's config.json does not say).
  const tieWordEmbeddings = typeof config.tie_word_embeddings === "boolean" ? config.tie_word_embeddings : gemma;
  const shape: ModelShape = { vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, tieWordEmbeddings };
  if (isQwen3(config) || gemma3) shape.qkNorm = true;
  if (gemma) shape.sandwichNorms = true;
  if (isPhi3(config)) Object.assign(shape, { fusedQkv: true, fusedGateUp: true });
  if (isOlmo2(config)) Object.assign(shape, { qkNorm: true, qkNormWhole: true, sandwichNorms: true, inputNorms: false });
  if (glm4) Object.assign(shape, { sandwichNorms: true, fusedGateUp: true });
  if (isExaone4(config)) Object.assign(shape, { qkNorm: true, sandwichNorms: true, inputNorms: false });
  if (isLfm2(config)) Object.assign(shape, { qkNorm: true, convLayers: posInt(config.conv_layers) ?? 0, convKernel: posInt(config.conv_kernel) ?? 3 });
  return shape;
}

export type LinearModule = "q_proj" | "k_proj" | "v_proj" | "o_proj" | "gate_proj" | "up_proj" | "down_proj";

/**
 * The fused modules (Phi-3 / Phi-4 have both, GLM-4 gate_up_proj alone) and the projections each holds, in their rows'
 * order (native/src/model/llama_lora.cc groups the LoRA targets the same way). The one TS account: the estimate, the
 * launch check and the bench's FLOPs read it.
 */
export const FUSED_MODULES = {
  qkv_proj: ["q_proj", "k_proj", "v_proj"],
  gate_up_proj: ["gate_proj", "up_proj"],
} as const satisfies Record<string, readonly LinearModule[]>;
export type FusedModule = keyof typeof FUSED_MODULES;

/** The ModelInfo flags that say which modules a model fuses. */
export type Fusion = Partial<Pick<ModelInfo, "fusedQkv" | "fusedGateUp">>;

/** Which flag says a model has each fused module. */
const FUSED_BY_FLAG: Record<FusedModule, keyof Fusion> = { qkv_proj: "fusedQkv", gate_up_proj: "fusedGateUp" };

/** The fused modules a model has (none, GLM-4's gate_up_proj, or both of Phi-3's). */
export function fusedModulesOf(s: Fusion): FusedModule[] {
  return (Object.keys(FUSED_MODULES) as FusedModule[]).filter((f) => s[FUSED_BY_FLAG[f]] === true);
}

/** The fused module a projection is part of on this model, or null (its own module, or a model that fuses nothing). */
export function fusedModuleOf(s: Fusion, p: LinearModule): FusedModule | null {
  return fusedModulesOf(s).find((f) => (FUSED_MODULES[f] as readonly string[]).includes(p)) ?? null;
}

/** What the module arithmetic reads of a shape. */
type ModuleShape = Pick<ModelShape, "hiddenSize" | "intermediateSize" | "numHeads" | "numKvHeads" | "headDim"> & Fusion & Pick<ModelShape, "convLayers">;

/** The layers that attend: all of them but LFM2's conv layers. */
export const attentionLayers = (s: Pick<ModelShape, "numLayers" | "convLayers">): number => s.numLayers - (s.convLayers ?? 0);

/** The MLP's projections, which every layer has (LFM2's conv layers too). */
const MLP_MODULES: readonly LinearModule[] = ["gate_proj", "up_proj", "down_proj"];

/** [in, out] features of each per-layer linear module (weights are [out, in]). */
export function linearDims(s: ModuleShape): Record<LinearModule, { in: number; out: number }> {
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

/**
 * The modules LoRA adapts for `targets` in each layer, with their [in, out] features. On a model with fused
 * projections q, k and v are one module, qkv_proj, with one A (Phi-3), and gate and up another, gate_up_proj (Phi-3,
 * GLM-4), as PEFT and the trainer adapt them.
 */
export function adaptedModules(s: ModuleShape, targets: readonly LinearModule[]): { name: string; in: number; out: number }[] {
  const dims = linearDims(s);
  const modules = new Map<string, { name: string; in: number; out: number }>();
  for (const t of new Set(targets)) {
    const name = fusedModuleOf(s, t) ?? t;
    const m = modules.get(name);
    modules.set(name, m ? { ...m, out: m.out + dims[t].out } : { name, ...dims[t] });
  }
  return [...modules.values()];
}

/**
 * The modules LoRA adapts on one of LFM2's conv layers for `targets` (Llama's names, as the form gives them): the
 * MLP's, in_proj [H → 3H] when q, k and v are all targeted (it computes what they do on an attention layer: the
 * operator's inputs), and out_proj [H → H] with o_proj, as native/src/model/llama_lora.cc maps them.
 */
export function convAdaptedModules(s: ModuleShape, targets: readonly LinearModule[]): { name: string; in: number; out: number }[] {
  const H = s.hiddenSize;
  const out = adaptedModules(s, targets.filter((t) => MLP_MODULES.includes(t)));
  if (["q_proj", "k_proj", "v_proj"].every((t) => targets.includes(t as LinearModule))) out.push({ name: "in_proj", in: H, out: 3 * H });
  if (targets.includes("o_proj")) out.push({ name: "out_proj", in: H, out: H });
  return out;
}

/** LoRA parameters for `targets`: r·(in + out) per adapted module, on every attention layer and every conv layer. */
export function loraParameterCount(s: ModuleShape & Pick<ModelShape, "numLayers">, rank: number, targets: readonly LinearModule[]): number {
  const sum = (mods: { in: number; out: number }[]) => mods.reduce((n, d) => n + rank * (d.in + d.out), 0);
  const conv = s.convLayers ?? 0;
  return attentionLayers(s) * sum(adaptedModules(s, targets)) + (conv ? conv * sum(convAdaptedModules(s, targets)) : 0);
}

/**
 * Parameters of all per-layer linear weights: what QLoRA quantizes to NF4 (bitsandbytes leaves embeddings, norms and
 * lm_head alone). LFM2's conv layers have in_proj (3·H²) and out_proj (H²) in place of q, k, v and o.
 */
export function layerLinearParameters(s: ModelShape): number {
  const dims = linearDims(s);
  const all = Object.values(dims).reduce((n, d) => n + d.in * d.out, 0);
  const mlp = MLP_MODULES.reduce((n, m) => n + dims[m].in * dims[m].out, 0);
  return attentionLayers(s) * all + (s.convLayers ?? 0) * (mlp + 4 * s.hiddenSize * s.hiddenSize);
}

/**
 * Total parameters from the shape alone (Llama layout without biases, so Qwen2's and GLM-4's q/k/v biases are not
 * counted): for when no weights are readable. Gemma's and GLM-4's sandwich norms are two more hidden-size norms per
 * layer (Gemma's pre_ and post_feedforward_layernorm, GLM-4's post_self_attn_ and post_mlp_layernorm); OLMo 2 has its
 * two output norms instead of input norms, and q/k norms as wide as q and k. Fused modules hold the same weights.
 */
export function shapeParameters(s: ModelShape): number {
  const embed = s.vocabSize * s.hiddenSize;
  // Input norms (2·H, none on OLMo 2), output norms (2·H, Gemma, OLMo 2, GLM-4), q/k norms per head or whole (OLMo 2;
  // on the attention layers only). LFM2's conv layers hold their convolution's H·kernel weights.
  const qkNorms = !s.qkNorm ? 0 : s.qkNormWhole ? (s.numHeads + s.numKvHeads) * s.headDim : 2 * s.headDim;
  const normsPerLayer = (s.inputNorms === false ? 0 : 2) * s.hiddenSize + (s.sandwichNorms ? 2 * s.hiddenSize : 0);
  const norms = normsPerLayer * s.numLayers + qkNorms * attentionLayers(s) + s.hiddenSize;
  const convolutions = (s.convLayers ?? 0) * s.hiddenSize * (s.convKernel ?? 3);
  return layerLinearParameters(s) + embed + (s.tieWordEmbeddings ? 0 : embed) + norms + convolutions;
}

/** The architectures whose windows matter here, by model_type (a config without architectures). */
const WINDOWED_ARCH_OF_MODEL_TYPE: Record<string, string> = {
  mistral: "MistralForCausalLM",
  phi3: "Phi3ForCausalLM",
  qwen2: "Qwen2ForCausalLM",
  qwen3: "Qwen3ForCausalLM",
  smollm3: "SmolLM3ForCausalLM",
  gemma2: "Gemma2ForCausalLM",
  olmo3: "Olmo3ForCausalLM",
  exaone4: "Exaone4ForCausalLM",
  ministral3: "Ministral3ForCausalLM",
  gemma3_text: "Gemma3ForCausalLM",
};

/**
 * The longest sequence the trainer takes, as native/src/io/config.cc reads config.json: max_position_embeddings (past
 * longrope's original context Phi-3.5-mini and Phi-4-mini take their long factors, as transformers does). Sliding windows are
 * computed as windows where transformers applies them (Mistral's, Phi-3's, OLMo 3's and EXAONE 4.0's, Qwen2's, Qwen3's and SmolLM3's with
 * use_sliding_window, Gemma 2's and Gemma 3's, Ministral 3's), so they cap nothing; a sliding layer listed in layer_types where transformers would not
 * window (a Llama, a Qwen2 without use_sliding_window) caps the context at the window instead. An image-text checkpoint's
 * is its text model's (decoderConfig). Null when max_position_embeddings is not given.
 */
export function trainingContext(outer: Record<string, unknown>): number | null {
  const config = decoderConfig(outer);
  if (!config) return null;
  const max = posInt(config.max_position_embeddings);
  if (max === null) return null;
  const first: unknown = Array.isArray(config.architectures) ? config.architectures[0] : undefined;
  const arch = typeof first === "string" ? first : (WINDOWED_ARCH_OF_MODEL_TYPE[String(config.model_type)] ?? "");
  if (arch.startsWith("Gemma3") || arch === "Gemma2ForCausalLM") return max;
  const gated = arch === "Qwen2ForCausalLM" || arch === "Qwen3ForCausalLM" || arch === "SmolLM3ForCausalLM";  // with use_sliding_window
  const computesWindows =
    ["MistralForCausalLM", "Ministral3ForCausalLM", "Phi3ForCausalLM", "Olmo3ForCausalLM", "Exaone4ForCausalLM"].includes(arch) || (gated && config.use_sliding_window === true);
  const slidingLayer = Array.isArray(config.layer_types) && config.layer_types.includes("sliding_attention");
  let limit = max;
  if (slidingLayer && !computesWindows) {
    const window = posInt(config.sliding_window);
    if (window !== null) limit = Math.min(limit, window);
  }
  return limit;
}
