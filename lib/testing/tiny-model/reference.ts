import fs from "node:fs";
import path from "node:path";
import { nf4RoundTrip } from "./nf4";
import { bf16BitsToF32, f32ToBf16Bits, readSafetensors, type TensorDtype } from "./safetensors";

// A naive Llama/Qwen2/Qwen3/Phi-3/Granite/SmolLM3/OLMo 2/OLMo 3/EXAONE 4.0/Ministral 3/Gemma 2/Gemma 3/GLM-4 forward in
// float64, written from reference/trainer.md (and, for Qwen3's per-head q/k norms, transformers' Qwen3Attention; for
// Gemma 2 and 3, transformers' Gemma2Model and Gemma3TextModel; for GLM-4, Glm4Model; for Ministral 3's query
// temperature, Ministral3Attention) and nothing else: the independent reference the
// native trainer's logprobs are compared against (base, NF4, double quant, a PEFT adapter, tied embeddings, GQA,
// biases, q/k norms, Granite's multipliers, SmolLM3's NoPE layers, OLMo 2's norms, Gemma's differences and Gemma 2's
// soft caps, GLM-4's output norms and interleaved partial RoPE, yarn RoPE scaling). Slow and plain on purpose; tiny
// models only.

type Config = {
  architectures?: string[]; model_type?: string;
  hidden_size: number; num_hidden_layers: number; num_attention_heads: number; num_key_value_heads: number;
  head_dim?: number; rms_norm_eps: number; rope_theta: number; tie_word_embeddings?: boolean; vocab_size: number;
  torch_dtype?: string; dtype?: string;
  // Gemma 2 and 3 only (Gemma2Config's and Gemma3TextConfig's defaults apply when absent; null = no cap); the window
  // and layer_types also OLMo 3's.
  query_pre_attn_scalar?: number; rope_local_base_freq?: number; sliding_window?: number | null; sliding_window_pattern?: number;
  layer_types?: string[]; rope_scaling?: unknown; final_logit_softcapping?: number | null; attn_logit_softcapping?: number | null;
  // Phi-3 and GLM-4: RoPE on part of each head (GLM-4: half by default); Phi-3 only: longrope.
  partial_rotary_factor?: number; max_position_embeddings?: number; original_max_position_embeddings?: number;
  // Granite only (GraniteConfig: each 1.0 when absent).
  embedding_multiplier?: number; attention_multiplier?: number; residual_multiplier?: number; logits_scaling?: number;
  // SmolLM3 only: 1 = the layer applies RoPE, 0 = a NoPE layer (SmolLM3Config: every no_rope_layer_interval-th).
  no_rope_layers?: number[]; no_rope_layer_interval?: number;
  // transformers 5.x: RoPE as one object (rope_theta, rope_type and the type's keys; Ministral 3's llama_4_scaling_beta).
  rope_parameters?: Record<string, unknown> & { rope_theta?: number; rope_type?: string; type?: string };
};
export type Mat = { rows: number; cols: number; data: Float64Array };

export type ReferenceOptions = { quant?: "none" | "nf4"; doubleQuant?: boolean; adapterDir?: string };

/**
 * Gemma's embedding multiplier: sqrt(hidden_size) as a tensor of the weights' dtype (transformers'
 * `torch.tensor(hidden_size ** 0.5, dtype=...)`), so rounded to nearest even: sqrt(1152) = 33.94 is 34 in bf16.
 */
export function embedScale(hiddenSize: number, dtype: "bfloat16" | "float32"): number {
  const f32 = Float32Array.of(Math.sqrt(hiddenSize));
  return dtype === "float32" ? f32[0]! : bf16BitsToF32(f32ToBf16Bits(f32))[0]!;
}

// Gemma 3's MLP gate (gelu_pytorch_tanh).
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

// Phi-3's fused qkv_proj and gate_up_proj (GLM-4's gate_up_proj) are quantized (and adapted) as the one weight each
// is in the file.
const PROJ = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", "self_attn.qkv_proj", "mlp.gate_up_proj"];

/**
 * How RoPE rotates one head: its first `dim` values in pairs, pair j turning by pos·θ^(-2j/dim) / factors[j] with cos
 * and sin times `scale`; the values from `dim` on pass through. The pairs are (j, j + dim/2) as transformers'
 * rotate_half takes them (Llama, Qwen, Phi-3, Gemma, ...), or (2j, 2j + 1) when interleaved (GLM-4's rotate_half
 * takes x[0::2] and x[1::2], with cos and sin repeat_interleave'd).
 */
export type RopeSpec = { dim: number; factors: number[]; scale: number; interleaved: boolean };

/** One head's values rotated for position `pos` with base `theta` (see RopeSpec). */
export function applyRope(head: Float64Array, pos: number, theta: number, spec: RopeSpec): Float64Array {
  const { dim: d, factors, scale, interleaved } = spec;
  const out = Float64Array.from(head);
  for (let j = 0; j < d / 2; j++) {
    const [a, b] = interleaved ? [2 * j, 2 * j + 1] : [j, j + d / 2];
    const f = (pos * theta ** (-(2 * j) / d)) / factors[j]!;
    out[a] = scale * (head[a]! * Math.cos(f) - head[b]! * Math.sin(f));
    out[b] = scale * (head[b]! * Math.cos(f) + head[a]! * Math.sin(f));
  }
  return out;
}

type YarnScaling = {
  factor?: number; original_max_position_embeddings?: number; attention_factor?: number; beta_fast?: number; beta_slow?: number;
  truncate?: boolean; mscale?: number; mscale_all_dim?: number;
};

/**
 * yarn as the YaRN paper and transformers' _compute_yarn_parameters define it: pair j's frequency kept below the
 * correction range (the pair index where a frequency turns beta_fast times over the original context, rounded down)
 * and divided by factor above it (where it turns beta_slow times, rounded up), linearly blended in between; as a
 * RopeSpec factor, 1 / (ramp / factor + 1 − ramp). cos and sin scaled by attention_factor, by default 0.1·ln(factor)
 * + 1 (with DeepSeek's mscale and mscale_all_dim, the ratio of that formula at each).
 */
export function yarnRope(s: YarnScaling, dim: number, theta: number, maxPositions: number | undefined): { factors: number[]; scale: number } {
  const factor = s.factor!;
  const original = s.original_max_position_embeddings || maxPositions!;
  const turnsAt = (turns: number) => (dim * Math.log(original / (turns * 2 * Math.PI))) / (2 * Math.log(theta));
  let low = turnsAt(s.beta_fast || 32), high = turnsAt(s.beta_slow || 1);
  if (s.truncate ?? true) [low, high] = [Math.floor(low), Math.ceil(high)];
  [low, high] = [Math.max(low, 0), Math.min(high, dim - 1)];
  if (low === high) high += 0.001;
  const factors = Array.from({ length: dim / 2 }, (_, j) => {
    const ramp = Math.min(Math.max((j - low) / (high - low), 0), 1);
    return 1 / (ramp / factor + 1 - ramp);
  });
  const mscale = (m: number) => (factor <= 1 ? 1 : 0.1 * m * Math.log(factor) + 1);
  const scale = s.attention_factor ?? (s.mscale && s.mscale_all_dim ? mscale(s.mscale) / mscale(s.mscale_all_dim) : mscale(1));
  return { factors, scale };
}

/**
 * A PEFT adapter folded into the base weights, W' = W + scaling·B·A: the same function as the unmerged LoRA forward
 * (no dropout at inference). Each lora_A names its module's base weight (module.weight) in `w`.
 */
export function mergeAdapter(w: Map<string, Mat>, dir: string): void {
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, "adapter_config.json"), "utf8")) as { r: number; lora_alpha: number; use_rslora?: boolean };
  const scaling = cfg.use_rslora ? cfg.lora_alpha / Math.sqrt(cfg.r) : cfg.lora_alpha / cfg.r;
  const tensors = readSafetensors(path.join(dir, "adapter_model.safetensors"));
  for (const [name, a] of tensors) {
    if (!name.endsWith(".lora_A.weight")) continue;
    const module = name.slice("base_model.model.".length, -".lora_A.weight".length);
    const b = tensors.get(name.replace(".lora_A.", ".lora_B."));
    const base = w.get(`${module}.weight`);
    if (!b || !base) throw new Error(`adapter tensor ${name} has no matching lora_B or base weight ${module}.weight`);
    const r = a.shape[0]!;
    for (let o = 0; o < base.rows; o++)
      for (let i = 0; i < base.cols; i++) {
        let s = 0;
        for (let k = 0; k < r; k++) s += b.data[o * r + k]! * a.data[k * base.cols + i]!;
        base.data[o * base.cols + i] = base.data[o * base.cols + i]! + scaling * s;
      }
  }
}

/** y[T, rows] = x[T, cols] · Wᵀ (+ bias): a linear layer on each row, in float64. */
export function linearRows(x: Float64Array[], W: Mat, bias?: Mat): Float64Array[] {
  return x.map((row) => {
    const y = new Float64Array(W.rows);
    for (let o = 0; o < W.rows; o++) {
      let s = bias ? bias.data[o]! : 0;
      for (let i = 0; i < W.cols; i++) s += row[i]! * W.data[o * W.cols + i]!;
      y[o] = s;
    }
    return y;
  });
}

export class ReferenceModel {
  private readonly w = new Map<string, Mat>();
  readonly cfg: Config;
  /** Gemma2ForCausalLM or Gemma3ForCausalLM: (1 + w) norms, sandwich norms, scaled embedding, gelu_tanh, sliding layers. */
  readonly gemma: boolean;
  /** Gemma2ForCausalLM: one RoPE base, every second layer sliding, scores and logits soft-capped. */
  readonly gemma2: boolean;
  /** GraniteForCausalLM: the embedding, score, residual and logit multipliers. */
  readonly granite: boolean;
  /** SmolLM3ForCausalLM: some layers (NoPE) attend without RoPE. */
  readonly smollm3: boolean;
  /** Olmo2ForCausalLM and Olmo3ForCausalLM: output norms instead of input norms, q and k normalized whole. */
  readonly olmo2: boolean;
  /** Olmo3ForCausalLM: OLMo 2's layer, sliding windows on three layers in four, RoPE scaling on the full ones only. */
  readonly olmo3: boolean;
  /**
   * Exaone4ForCausalLM: OLMo 2's sublayers with per-head q/k norms, sliding windows on three layers in four and, when
   * there is a window, RoPE on those only.
   */
  readonly exaone4: boolean;
  /** Glm4ForCausalLM: output norms beside the input norms (plain weights), q/k/v biases, interleaved half RoPE. */
  readonly glm4: boolean;
  /**
   * Ministral3ForCausalLM: each query after RoPE times 1 + beta·ln(1 + floor(t / original)) (rope_parameters'
   * llama_4_scaling_beta and original_max_position_embeddings); null elsewhere.
   */
  readonly queryTemperature: { beta: number; original: number } | null = null;
  private embedDtype: TensorDtype = "F32";

  constructor(modelDir: string, opts: ReferenceOptions = {}) {
    this.cfg = JSON.parse(fs.readFileSync(path.join(modelDir, "config.json"), "utf8")) as Config;
    const byType: Record<string, string> = { gemma3_text: "Gemma3ForCausalLM", gemma2: "Gemma2ForCausalLM", glm4: "Glm4ForCausalLM" };
    const arch = this.cfg.architectures?.[0] ?? byType[this.cfg.model_type ?? ""];
    this.glm4 = arch === "Glm4ForCausalLM";
    this.gemma2 = arch === "Gemma2ForCausalLM";
    this.gemma = arch === "Gemma3ForCausalLM" || this.gemma2;
    this.granite = (arch ?? (this.cfg.model_type === "granite" ? "GraniteForCausalLM" : undefined)) === "GraniteForCausalLM";
    this.smollm3 = (arch ?? (this.cfg.model_type === "smollm3" ? "SmolLM3ForCausalLM" : undefined)) === "SmolLM3ForCausalLM";
    this.olmo3 = (arch ?? (this.cfg.model_type === "olmo3" ? "Olmo3ForCausalLM" : undefined)) === "Olmo3ForCausalLM";
    this.exaone4 = (arch ?? (this.cfg.model_type === "exaone4" ? "Exaone4ForCausalLM" : undefined)) === "Exaone4ForCausalLM";
    this.olmo2 = this.olmo3 || (arch ?? (this.cfg.model_type === "olmo2" ? "Olmo2ForCausalLM" : undefined)) === "Olmo2ForCausalLM";
    // transformers 5.x's rope_parameters, read as 4.x's rope_theta and rope_scaling (a file giving both agrees).
    const rp = this.cfg.rope_parameters;
    if (rp) {
      this.cfg.rope_theta ??= rp.rope_theta ?? 10000;
      if (this.cfg.rope_scaling == null && (rp.rope_type ?? rp.type ?? "default") !== "default") this.cfg.rope_scaling = rp;
    }
    if ((arch ?? (this.cfg.model_type === "ministral3" ? "Ministral3ForCausalLM" : undefined)) === "Ministral3ForCausalLM") {
      const from = (rp ?? this.cfg.rope_scaling ?? {}) as Record<string, unknown>;
      const beta = from.llama_4_scaling_beta, original = from.original_max_position_embeddings;
      if (typeof beta !== "number" || typeof original !== "number") throw new Error("reference: Ministral 3 without llama_4_scaling_beta and original_max_position_embeddings");
      this.queryTemperature = { beta, original };
    }
    if (this.gemma) {
      // What this reference does not compute must not be compared as if it did.
      const unsupported = this.gemma2 ? (["rope_scaling"] as const) : (["rope_scaling", "final_logit_softcapping", "attn_logit_softcapping"] as const);
      for (const k of unsupported) if (this.cfg[k] != null) throw new Error(`reference: ${this.gemma2 ? "Gemma 2" : "Gemma 3"} with ${k} set is not implemented`);
    }
    for (const [name, t] of readSafetensors(path.join(modelDir, "model.safetensors"))) {
      if (name === "model.embed_tokens.weight") this.embedDtype = t.dtype;
      // Only the decoder projections are quantized (embedding, norms and lm_head stay full precision).
      const quantize = opts.quant === "nf4" && PROJ.some((p) => name.endsWith(`${p}.weight`));
      const values = quantize ? nf4RoundTrip(t.data, Boolean(opts.doubleQuant)) : t.data;
      this.w.set(name, { rows: t.shape[0]!, cols: t.shape[1] ?? 1, data: Float64Array.from(values) });
    }
    if (opts.adapterDir) mergeAdapter(this.w, opts.adapterDir);
    this.splitFused();
  }

  /** head_dim, or its default when config.json leaves it out: Glm4Config's 128, hidden / heads for the others here. */
  private headDim(): number {
    return this.cfg.head_dim ?? (this.glm4 ? 128 : this.cfg.hidden_size / this.cfg.num_attention_heads);
  }

  /**
   * RoPE as transformers' Phi3RotaryEmbedding and apply_rotary_pos_emb compute it: the first
   * int(head_dim · partial_rotary_factor) values of each head rotate (the rest pass through), and longrope divides
   * each frequency by its short factor, or by its long one in a pass of more than original_max_position_embeddings
   * tokens (`tokens`: this pass's length), and scales cos and sin by sqrt(1 + ln(max / original) / ln(original)). GLM-4
   * (Glm4RotaryEmbedding): the first int(head_dim · partial_rotary_factor) values (Glm4Config: 0.5) in interleaved
   * pairs. Other models: the whole head, no factors, scale 1. yarn on any of them (see yarnRope); any other rope_scaling
   * is not computed here, so it is refused.
   */
  private ropeSpec(hd: number, tokens: number): RopeSpec {
    const c = this.cfg;
    const phi3 = (c.architectures?.[0] ?? (c.model_type === "phi3" ? "Phi3ForCausalLM" : "")) === "Phi3ForCausalLM";
    const dim = phi3 || this.glm4 ? Math.floor(hd * (c.partial_rotary_factor ?? (this.glm4 ? 0.5 : 1))) : hd;
    if (dim % 2 !== 0) throw new Error(`reference: RoPE on ${dim} values of a head (an odd number) is not implemented`);
    const interleaved = this.glm4;
    const scaling = c.rope_scaling as (YarnScaling & { type?: string; rope_type?: string; short_factor?: number[]; long_factor?: number[] }) | null | undefined;
    if (scaling == null) return { dim, factors: new Array<number>(dim / 2).fill(1), scale: 1, interleaved };
    const type = scaling.rope_type ?? scaling.type;
    if (type === "yarn") return { ...yarnRope(scaling, dim, c.rope_theta, c.max_position_embeddings), dim, interleaved };
    if (!phi3 || (type !== "longrope" && type !== "su") || !scaling.short_factor || !scaling.long_factor) throw new Error(`reference: rope_scaling ${JSON.stringify(type)} is not implemented`);
    const original = c.original_max_position_embeddings ?? scaling.original_max_position_embeddings ?? 4096;
    const factor = (c.max_position_embeddings ?? original) / original;
    const factors = tokens > original ? scaling.long_factor : scaling.short_factor;
    return { dim, factors, scale: factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(original)), interleaved };
  }

  // Phi3Attention and Phi3MLP: q, k, v are the first num_heads·head_dim, next and last num_kv_heads·head_dim outputs of
  // qkv_proj; gate and up the two halves of gate_up_proj's (chunk(2)), in Glm4MLP too. Rows of the (quantized,
  // adapted) weight are those outputs, so splitting the rows after quantizing and merging the adapter computes the
  // same function. Each fused weight is split where the file has it (GLM-4 has gate_up_proj alone).
  private splitFused(): void {
    const hd = this.headDim();
    const rows = (m: Mat, from: number, n: number): Mat => ({ rows: n, cols: m.cols, data: m.data.slice(from * m.cols, (from + n) * m.cols) });
    for (let l = 0; l < this.cfg.num_hidden_layers; l++) {
      const p = `model.layers.${l}`;
      const qkv = this.w.get(`${p}.self_attn.qkv_proj.weight`);
      if (qkv) {
        const q = this.cfg.num_attention_heads * hd, kv = this.cfg.num_key_value_heads * hd;
        this.w.set(`${p}.self_attn.q_proj.weight`, rows(qkv, 0, q));
        this.w.set(`${p}.self_attn.k_proj.weight`, rows(qkv, q, kv));
        this.w.set(`${p}.self_attn.v_proj.weight`, rows(qkv, q + kv, kv));
      }
      const gateUp = this.w.get(`${p}.mlp.gate_up_proj.weight`);
      if (gateUp) {
        this.w.set(`${p}.mlp.gate_proj.weight`, rows(gateUp, 0, gateUp.rows / 2));
        this.w.set(`${p}.mlp.up_proj.weight`, rows(gateUp, gateUp.rows / 2, gateUp.rows / 2));
      }
    }
  }

  private get(name: string): Mat {
    const m = this.w.get(name);
    if (!m) throw new Error(`reference: tensor ${name} missing`);
    return m;
  }

  /** y[T, rows] = x[T, cols] · Wᵀ (+ bias). */
  private linear(x: Float64Array[], name: string): Float64Array[] {
    return linearRows(x, this.get(`${name}.weight`), this.w.get(`${name}.bias`));
  }


  private rms(x: Float64Array[], name: string): Float64Array[] {
    const w = this.get(name).data;
    return x.map((row) => this.rmsRow(row, w));
  }

  // Gemma3RMSNorm scales by (1 + w): its files store scale − 1.
  private rmsRow(row: Float64Array, w: Float64Array): Float64Array {
    let ms = 0;
    for (const v of row) ms += v * v;
    const inv = 1 / Math.sqrt(ms / row.length + this.cfg.rms_norm_eps);
    const plus = this.gemma ? 1 : 0;
    return row.map((v, i) => v * inv * (plus + w[i]!));
  }

  /**
   * Gemma and OLMo 3: whether layer l is a sliding-window one (layer_types, else every pattern-th layer is full:
   * Gemma 3's sliding_window_pattern, 6 by default; Gemma 2's 2; OLMo 3's 4).
   */
  private sliding(l: number): boolean {
    if (!this.gemma && !this.olmo3 && !this.exaone4) return false;
    if (this.exaone4 && this.cfg.sliding_window === null) return false;  // Exaone4Config: no window, no sliding layer
    const types = this.cfg.layer_types;
    if (Array.isArray(types)) return types[l] === "sliding_attention";
    return (l + 1) % (this.olmo3 ? 4 : this.gemma2 ? 2 : (this.cfg.sliding_window_pattern ?? (this.exaone4 ? 4 : 6))) !== 0;
  }

  /** Gemma 2's soft cap for a key (Gemma2Config: 50 for scores, 30 for logits when absent; null = none): v ↦ cap·tanh(v / cap). */
  private softcap(key: "attn_logit_softcapping" | "final_logit_softcapping"): (v: number) => number {
    const cap = !this.gemma2 ? null : this.cfg[key] === undefined ? (key === "attn_logit_softcapping" ? 50 : 30) : this.cfg[key];
    return cap == null ? (v) => v : (v) => cap * Math.tanh(v / cap);
  }

  /**
   * SmolLM3Attention applies RoPE where no_rope_layers says 1; Exaone4Attention on the sliding layers only when there
   * is a window ("global NoPE"); other models on every layer.
   */
  private rotates(l: number): boolean {
    if (this.exaone4) return this.cfg.sliding_window === null || this.sliding(l);
    if (!this.smollm3) return true;
    const flags = this.cfg.no_rope_layers;
    return flags ? flags[l] === 1 : (l + 1) % (this.cfg.no_rope_layer_interval ?? 4) !== 0;
  }

  /** The multiplier of input embeddings: 1, Granite's embedding_multiplier, or Gemma's sqrt(hidden_size) in the weights' dtype. */
  private embeddingMultiplier(): number {
    if (this.granite) return this.cfg.embedding_multiplier ?? 1;
    if (!this.gemma) return 1;
    // torch_dtype (transformers 5: dtype) is the dtype the model computes in; without it, the stored one.
    const dtype = this.cfg.torch_dtype ?? this.cfg.dtype ?? (this.embedDtype === "BF16" ? "bfloat16" : "float32");
    if (dtype !== "bfloat16" && dtype !== "float32") throw new Error(`reference: Gemma 3's embedding scale in ${dtype} is not implemented`);
    return embedScale(this.cfg.hidden_size, dtype);
  }

  /** Qwen3 and Gemma 3: q_norm / k_norm normalize each head of width hd on its own; nothing when the model has none. */
  private headNorm(x: Float64Array[], name: string, hd: number): Float64Array[] {
    const w = this.w.get(name);
    if (!w) return x;
    return x.map((row) => {
      const out = new Float64Array(row.length);
      for (let h = 0; h < row.length / hd; h++) out.set(this.rmsRow(row.subarray(h * hd, (h + 1) * hd), w.data), h * hd);
      return out;
    });
  }

  /** Natural-log p(t[i+1] | t[0..i]) for i = 0..n−2. */
  logprobs(tokens: number[]): number[] {
    const c = this.cfg;
    const H = c.hidden_size, nh = c.num_attention_heads, nkv = c.num_key_value_heads, hd = this.headDim();
    const T = tokens.length;
    const emb = this.get("model.embed_tokens.weight");
    // Gemma scales the looked-up rows only; its tied lm_head below reads the unscaled embedding.
    const scale = this.embeddingMultiplier();
    let x = tokens.map((t) => emb.data.slice(t * H, (t + 1) * H).map((v) => v * scale));
    // Gemma 3: scores are scaled by query_pre_attn_scalar^-0.5 instead of head_dim^-0.5; Granite: by attention_multiplier.
    const scoreDiv = this.granite ? 1 / (c.attention_multiplier ?? 1) : Math.sqrt(this.gemma ? (c.query_pre_attn_scalar ?? 256) : hd);
    // Granite: each sublayer's output times residual_multiplier before its residual add, the logits over logits_scaling.
    const residual = this.granite ? (c.residual_multiplier ?? 1) : 1;
    const logitDiv = this.granite ? (c.logits_scaling ?? 1) : 1;
    const capScore = this.softcap("attn_logit_softcapping"), capLogit = this.softcap("final_logit_softcapping");
    // RoPE on the first values of each head of a q or k row (ropeSpec, applyRope). Gemma 3's sliding layers use
    // rope_local_base_freq as θ; OLMo 3's rotate without its scaling (Olmo3Model's "sliding_attention" RoPE is the
    // default one).
    const spec = this.ropeSpec(hd, T);
    const unscaled: RopeSpec = { dim: hd, factors: new Array<number>(hd / 2).fill(1), scale: 1, interleaved: false };
    const rope = (v: Float64Array, pos: number, head: number, theta: number, s: RopeSpec) => applyRope(v.subarray(head * hd, (head + 1) * hd), pos, theta, s);
    // The sublayers' output norms: Gemma's and OLMo 2's post_attention_layernorm and post_feedforward_layernorm,
    // GLM-4's post_self_attn_layernorm and post_mlp_layernorm (its post_attention_layernorm is the MLP's input norm).
    const outNorms = this.gemma || this.olmo2 || this.exaone4;  // EXAONE 4.0's decoder layer is OLMo 2's
    const attnOutNorm = this.glm4 ? "post_self_attn_layernorm" : outNorms ? "post_attention_layernorm" : null;
    const mlpOutNorm = this.glm4 ? "post_mlp_layernorm" : outNorms ? "post_feedforward_layernorm" : null;
    const inputNorms = !this.olmo2 && !this.exaone4;
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const p = `model.layers.${l}`;
      const sliding = this.sliding(l);
      const theta = sliding && this.gemma && !this.gemma2 ? (c.rope_local_base_freq ?? 1e4) : c.rope_theta;
      const layerSpec = sliding && this.olmo3 ? unscaled : spec;
      // A sliding layer's query t sees keys j with t − j < window (and j ≤ t).
      const window = sliding ? (c.sliding_window ?? 4096) : Infinity;
      // Olmo2DecoderLayer: no input norm; Olmo2Attention normalizes all of q and of k (one row each), not each head.
      const h = inputNorms ? this.rms(x, `${p}.input_layernorm.weight`) : x;
      const q = this.headNorm(this.linear(h, `${p}.self_attn.q_proj`), `${p}.self_attn.q_norm.weight`, this.olmo2 ? nh * hd : hd);
      const k = this.headNorm(this.linear(h, `${p}.self_attn.k_proj`), `${p}.self_attn.k_norm.weight`, this.olmo2 ? nkv * hd : hd);
      const v = this.linear(h, `${p}.self_attn.v_proj`);
      const attn = Array.from({ length: T }, () => new Float64Array(nh * hd));
      for (let head = 0; head < nh; head++) {
        const kvh = Math.floor(head / (nh / nkv));
        // A NoPE layer (SmolLM3) reads each head's q and k as projected.
        const unrotated = (row: Float64Array, h: number) => row.slice(h * hd, (h + 1) * hd);
        const ks = k.map((row, t) => (this.rotates(l) ? rope(row, t, kvh, theta, layerSpec) : unrotated(row, kvh)));
        for (let t = 0; t < T; t++) {
          const qr = this.rotates(l) ? rope(q[t]!, t, head, theta, layerSpec) : unrotated(q[t]!, head);
          if (this.queryTemperature) {  // Ministral3Attention: query_states * (1 + beta·log(1 + floor(position / original)))
            const { beta, original } = this.queryTemperature;
            qr.forEach((val, i) => (qr[i] = val * (1 + beta * Math.log(1 + Math.floor(t / original)))));
          }
          const lo = Math.max(0, t - window + 1);
          const scores = ks.slice(lo, t + 1).map((kr) => capScore(kr.reduce((s, kv, i) => s + kv * qr[i]!, 0) / scoreDiv));
          const mx = Math.max(...scores);
          const e = scores.map((s) => Math.exp(s - mx));
          const z = e.reduce((a, b) => a + b, 0);
          const row = attn[t]!;
          for (let j = lo; j <= t; j++) for (let i = 0; i < hd; i++) row[head * hd + i] = row[head * hd + i]! + (e[j - lo]! / z) * v[j]![kvh * hd + i]!;
        }
      }
      // Sandwich norms: the attention's output normalized before the residual add (attnOutNorm); the MLP's input by
      // Gemma's pre_feedforward_layernorm, or by post_attention_layernorm as in Llama (GLM-4 too); its output by
      // mlpOutNorm.
      let o = this.linear(attn, `${p}.self_attn.o_proj`);
      if (attnOutNorm) o = this.rms(o, `${p}.${attnOutNorm}.weight`);
      x = x.map((row, t) => row.map((val, i) => val + residual * o[t]![i]!));
      const h2 = !inputNorms ? x : this.rms(x, this.gemma ? `${p}.pre_feedforward_layernorm.weight` : `${p}.post_attention_layernorm.weight`);
      const g = this.linear(h2, `${p}.mlp.gate_proj`), u = this.linear(h2, `${p}.mlp.up_proj`);
      const gate = this.gemma ? geluTanh : (gv: number) => gv / (1 + Math.exp(-gv));
      const act = g.map((row, t) => row.map((gv, i) => gate(gv) * u[t]![i]!));
      let d = this.linear(act, `${p}.mlp.down_proj`);
      if (mlpOutNorm) d = this.rms(d, `${p}.${mlpOutNorm}.weight`);
      x = x.map((row, t) => row.map((val, i) => val + residual * d[t]![i]!));
    }
    const xf = this.rms(x, "model.norm.weight");
    const logits = this.linear(xf, this.w.has("lm_head.weight") ? "lm_head" : "model.embed_tokens");
    const out: number[] = [];
    for (let t = 0; t + 1 < T; t++) {
      const row = logits[t]!.map((v) => capLogit(v / logitDiv));
      const mx = Math.max(...row);
      const lse = mx + Math.log(row.reduce((s, v) => s + Math.exp(v - mx), 0));
      out.push(row[tokens[t + 1]!]! - lse);
    }
    return out;
  }
}
