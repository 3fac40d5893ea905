import fs from "node:fs";
import path from "node:path";
import { GEMMA3_CHAT_TEMPLATE, GEMMA3_SPECIAL_TOKENS } from "./gemma3-template";
import { GRANITE_CHAT_TEMPLATE, GRANITE_SPECIAL_TOKENS } from "./granite-template";
import { lfm2Config, lfm2Draw, lfm2LayerTensors } from "./lfm2";
import { PRESETS, type PresetName, type Shape } from "./presets";
import { LFM2_CHAT_TEMPLATE, LFM2_SPECIAL_TOKENS } from "./lfm2-template";
import { QWEN3_CHAT_TEMPLATE } from "./qwen3-template";
import { createRng, type Rng } from "./rng";
import { writeSafetensors, type Tensor, type TensorDtype } from "./safetensors";
import { buildTokenizer, type TinyTokenizer } from "./tokenizer";

// Seeded generator of a complete Hugging Face model folder (config.json, model.safetensors, tokenizer.json,
// tokenizer_config.json with a ChatML chat_template, or Qwen3's, Gemma 3's or Granite's own, generation_config.json). Tests and the demo use it
// because no weights can be downloaded here; the same options and seed always give the same bytes.

export type TinyModelOptions = {
  dir: string;
  preset?: PresetName;
  seed?: number;
  /** lm_head shares the embedding (SmolLM2 style). */
  tiedEmbeddings?: boolean;
  /** Grouped-query attention: half as many kv heads as query heads. */
  gqa?: boolean;
  /** Write a Qwen2ForCausalLM with q/k/v biases instead of a LlamaForCausalLM. */
  qwen2?: boolean;
  /** Write a Qwen3ForCausalLM: per-head q_norm / k_norm before RoPE, no biases; Qwen3's chat template, <think> tokens. */
  qwen3?: boolean;
  /**
   * Write a Gemma3ForCausalLM (text-only Gemma 3): norms stored as (scale − 1), sandwich norms around attention and
   * MLP, per-head q/k norms, a gelu_tanh MLP, a scaled and always tied embedding, sliding-window layers with their
   * own RoPE base; Gemma 3's chat template and special tokens.
   */
  gemma3?: boolean;
  /**
   * Write a Gemma2ForCausalLM: Gemma 3's layer without the q/k norms, one RoPE base, every second layer sliding, and
   * the scaled scores and the logits soft-capped (softcaps); the tokens and chat template of the Gemma 3 models
   * (Gemma 2's own template raises on a system turn where Gemma 3's folds it into the first user turn).
   */
  gemma2?: boolean;
  /**
   * Gemma 2: attn_logit_softcapping and final_logit_softcapping (default 50 and 30, as published). A tiny model's
   * scores stay far below 50, so the reference tests set low caps that bend them; null leaves one out.
   */
  softcaps?: { attn: number | null; final: number | null };
  /**
   * Write a Phi3ForCausalLM (Phi-3 / Phi-4): the Llama weights with q, k, v stacked into self_attn.qkv_proj and gate,
   * up into mlp.gate_up_proj, as Phi-3's checkpoints store them (the same random values as the Llama of that seed).
   */
  phi3?: boolean;
  /**
   * With phi3: Phi-4-mini's RoPE, scaled down: RoPE on 3/4 of each head (partial_rotary_factor 0.75) and longrope
   * (short factors 1 + j/8, long ones 2; max_position_embeddings 4 x the preset's, whose own is the original context).
   */
  phi4MiniRope?: boolean;
  /**
   * yarn RoPE scaling as Qwen documents it for Qwen2.5 / Qwen3 past their native context, scaled down: factor 4 over
   * original_max_position_embeddings = the preset's context, max_position_embeddings 4 x that (not with Gemma or
   * phi4MiniRope).
   */
  yarn?: boolean;
  /**
   * Write a GraniteForCausalLM (Granite 3): the Llama weights, always tied, with GRANITE_MULTIPLIERS in config.json;
   * Granite's chat template (a dated default system message) and <|end_of_text|> as bos, eos and pad.
   */
  granite?: boolean;
  /**
   * Write a SmolLM3ForCausalLM: the Llama weights, RoPE left out on every other layer (no_rope_layers [1, 0, ...];
   * SmolLM3-3B leaves it out on every fourth); the ChatML template (SmolLM3's own wraps ChatML in a metadata system
   * turn). Untied unless tiedEmbeddings (SmolLM3-3B ties; a tiny tied model learns the test tasks far more slowly).
   */
  smollm3?: boolean;
  /**
   * Write an Olmo2ForCausalLM (OLMo 2): no input norms; post_attention_layernorm and post_feedforward_layernorm
   * normalize each sublayer's output; q_norm and k_norm as wide as q and k; the ChatML template.
   */
  olmo2?: boolean;
  /**
   * Write an Olmo3ForCausalLM (OLMo 3): OLMo 2's tensors; layer_types with every second layer sliding (OLMo 3 slides
   * three in four: the tiny preset's 2 layers get one of each kind) over slidingWindow keys; the ChatML template. With
   * yarn, transformers and vLLM scale RoPE on the full-attention layers only.
   */
  olmo3?: boolean;
  /**
   * Write an Exaone4ForCausalLM (EXAONE 4.0): OLMo 2's sublayers (output norms, no input norms) with per-head q/k
   * norms; layer_types with every second layer sliding over slidingWindow keys (EXAONE-4.0-32B slides three in four),
   * RoPE on those only; the ChatML template (EXAONE's own uses [|user|] / [|endofturn|] markers).
   */
  exaone4?: boolean;
  /**
   * Write a Ministral3ForCausalLM (Ministral 3): Llama's weights, RoPE as transformers 5.x writes it (rope_parameters:
   * yarn, factor 4 over an original context of MINISTRAL3_ORIGINAL positions, attention factor 1 from mscale /
   * mscale_all_dim as its checkpoints give) and the query temperature llama_4_scaling_beta 0.5 (the checkpoints' 0.1,
   * raised so that the tests' short sequences see it past position 8); the ChatML template (Mistral's own uses [INST]).
   */
  ministral3?: boolean;
  /**
   * Write a Glm4ForCausalLM (GLM-4-0414): q/k/v biases (attention_bias), post_self_attn_layernorm and
   * post_mlp_layernorm normalizing each sublayer's output beside the input norms (post_attention_layernorm is the
   * MLP's input norm, as Llama's), gate and up stacked into mlp.gate_up_proj, RoPE on half of each head
   * (partial_rotary_factor 0.5) in interleaved pairs; untied unless tiedEmbeddings; the ChatML template.
   */
  glm4?: boolean;
  /**
   * Write an Lfm2ForCausalLM (LFM2): even layers gated short convolutions, odd ones attention with per-head q/k norms,
   * under LFM2's module names (lfm2.ts); untied unless tiedEmbeddings (the published ones tie); LFM2's own chat
   * template (lfm2-template.ts: ChatML after <|startoftext|>, its tool markers) and special tokens.
   */
  lfm2?: boolean;
  /** Gemma 2 and 3: scores are scaled by this^-0.5 (default head_dim, as in Gemma 3 270M and 1B; tests set another). */
  queryPreAttnScalar?: number;
  /**
   * Gemma 2 and 3, OLMo 3: how many keys a sliding layer's query sees, itself included. Default 8: shorter than the sequences
   * the tests run (the native reference test's 12 tokens, chat examples), so the window changes results there.
   */
  slidingWindow?: number;
  /**
   * Gemma 3: every pattern-th layer is full attention, the rest sliding (layer i is full iff (i + 1) % pattern
   * is 0). Default 2, so the tiny preset's 2 layers have one of each kind; more than the layer count = all sliding.
   */
  slidingWindowPattern?: number;
  dtype?: TensorDtype;
  /** Override parts of the preset's shape. */
  shape?: Partial<Shape>;
};

export type TinyModel = { dir: string; config: Record<string, unknown>; vocabSize: number; numParameters: number; eosTokenId: number; bosTokenId: number };

/**
 * The tiny Granite's multipliers, each away from 1 (Granite 3's are 12, 0.22 and 16): mild, so that a tiny model still
 * learns a task and NF4's error still shows next to the reference tests' tolerance (logits_scaling 16 would flatten both).
 */
export const GRANITE_MULTIPLIERS = { embedding_multiplier: 2, residual_multiplier: 0.5, logits_scaling: 0.5 } as const;

/** The tiny Ministral 3's original context: its query temperature rises by 0.5·ln 2 from this position, by 0.5·ln 3 from twice it. */
export const MINISTRAL3_ORIGINAL = 8;

/** GLM-4's share of each head that RoPE rotates (Glm4Config's default). */
const GLM4_PARTIAL_ROTARY_FACTOR = 0.5;

export const CHATML_TEMPLATE =
  "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

function randn(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
  return out;
}

// Norm weights near (not exactly) 1 so a forward that ignores them is caught by reference tests. Gemma stores
// (scale − 1), so its weights lie near 0 (center 0): a forward that forgets the + 1 is caught the same way.
function norm(rng: Rng, n: number, center = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = center + 0.1 * rng.normal();
  return out;
}

export function writeTinyModel(opts: TinyModelOptions): TinyModel {
  const s: Shape = { ...PRESETS[opts.preset ?? "tiny"], ...opts.shape };
  if (opts.gqa) s.kvHeads = Math.max(1, s.heads / 2);
  if (s.headDim === undefined && s.hidden % s.heads !== 0) throw new Error(`tiny model: hidden ${s.hidden} is not a multiple of heads ${s.heads}`);
  if (s.heads % s.kvHeads !== 0) throw new Error(`tiny model: heads ${s.heads} is not a multiple of kv heads ${s.kvHeads}`);
  if ([opts.qwen2, opts.qwen3, opts.gemma3, opts.gemma2, opts.phi3, opts.granite, opts.smollm3, opts.olmo2, opts.olmo3, opts.glm4, opts.exaone4, opts.ministral3, opts.lfm2].filter(Boolean).length > 1)
    throw new Error("tiny model: one of qwen2, qwen3, gemma3, gemma2, phi3, granite, smollm3, olmo2, olmo3, glm4, exaone4, ministral3 and lfm2 at most");
  if (opts.lfm2 && opts.yarn) throw new Error("tiny model: yarn is not an LFM2 option");
  if (opts.ministral3 && opts.yarn) throw new Error("tiny model: Ministral 3 has its own yarn (leave yarn off)");
  const smollm3 = Boolean(opts.smollm3);
  const olmo3 = Boolean(opts.olmo3);
  const olmo2 = Boolean(opts.olmo2) || olmo3;  // OLMo 3's tensors are OLMo 2's
  const exaone4 = Boolean(opts.exaone4);
  const glm4 = Boolean(opts.glm4);
  const granite = Boolean(opts.granite);
  const gemma2 = Boolean(opts.gemma2);
  const gemma = Boolean(opts.gemma3) || gemma2;  // what Gemma 2 and 3 share: norms, sandwich, GELU, tokens, ties
  if (!gemma && opts.queryPreAttnScalar !== undefined) throw new Error("tiny model: queryPreAttnScalar is one of the Gemma options (set gemma2 or gemma3)");
  if (!gemma && !olmo3 && !exaone4 && opts.slidingWindow !== undefined)
    throw new Error("tiny model: slidingWindow is one of the Gemma options, and OLMo 3's and EXAONE 4.0's (set gemma2, gemma3, olmo3 or exaone4)");
  if (!opts.gemma3 && opts.slidingWindowPattern !== undefined)
    throw new Error("tiny model: slidingWindowPattern is a Gemma 3 option (Gemma 2 slides every second layer)");
  if (!gemma2 && opts.softcaps) throw new Error("tiny model: softcaps is a Gemma 2 option (set gemma2)");
  const headDim = s.headDim ?? s.hidden / s.heads;
  if (glm4 && (headDim * GLM4_PARTIAL_ROTARY_FACTOR) % 2 !== 0)
    throw new Error(`tiny model: half of head_dim ${headDim} is not an even number of dimensions (GLM-4 rotates half of each head in pairs)`);
  const tok = buildTokenizer(s.merges, opts.qwen3 ? ["<think>", "</think>"] : [], gemma ? GEMMA3_SPECIAL_TOKENS : granite ? GRANITE_SPECIAL_TOKENS : opts.lfm2 ? LFM2_SPECIAL_TOKENS : []);
  // Gemma always ties lm_head to the (unscaled) embedding; so do the published Granite 3 models.
  const tied = gemma || granite || Boolean(opts.tiedEmbeddings);
  const normCenter = gemma ? 0 : 1;
  const V = tok.vocabSize;
  const H = s.hidden;
  const q = s.heads * headDim;
  const kv = s.kvHeads * headDim;
  const rng = createRng(opts.seed ?? 0);
  const std = 0.02;

  // The output projection gets std 1/√H (rows of norm ≈ 1): with 0.02 a tiny model's logits could never
  // move more than ~1 from uniform, so no test task could reach a low loss. A tied embedding is that projection.
  const headStd = 1 / Math.sqrt(H);
  const tensors: Tensor[] = [{ name: "model.embed_tokens.weight", shape: [V, H], data: randn(rng, V * H, tied ? headStd : std) }];
  for (let l = 0; l < s.layers; l++) {
    if (opts.lfm2) {
      tensors.push(...lfm2LayerTensors(l, s, headDim, std, lfm2Draw(rng, randn, (r, n) => norm(r, n))));
      continue;
    }
    const p = `model.layers.${l}`;
    const lin = (name: string, out: number, inp: number) => tensors.push({ name: `${p}.${name}.weight`, shape: [out, inp], data: randn(rng, out * inp, std) });
    if (!olmo2 && !exaone4) tensors.push({ name: `${p}.input_layernorm.weight`, shape: [H], data: norm(rng, H, normCenter) });
    lin("self_attn.q_proj", q, H);
    lin("self_attn.k_proj", kv, H);
    lin("self_attn.v_proj", kv, H);
    lin("self_attn.o_proj", H, q);
    if (opts.qwen2 || glm4) {
      for (const [name, n] of [["q_proj", q], ["k_proj", kv], ["v_proj", kv]] as const) {
        tensors.push({ name: `${p}.self_attn.${name}.bias`, shape: [n], data: randn(rng, n, std) });
      }
    }
    if (opts.qwen3 || opts.gemma3 || exaone4) {
      tensors.push({ name: `${p}.self_attn.q_norm.weight`, shape: [headDim], data: norm(rng, headDim, normCenter) });
      tensors.push({ name: `${p}.self_attn.k_norm.weight`, shape: [headDim], data: norm(rng, headDim, normCenter) });
    }
    if (olmo2) {
      // OLMo 2's q/k norms span all heads; post_attention_layernorm is the attention's output norm.
      tensors.push({ name: `${p}.self_attn.q_norm.weight`, shape: [q], data: norm(rng, q) });
      tensors.push({ name: `${p}.self_attn.k_norm.weight`, shape: [kv], data: norm(rng, kv) });
    }
    // GLM-4's attention output norm; its post_attention_layernorm below is the MLP's input norm, as Llama's.
    if (glm4) tensors.push({ name: `${p}.post_self_attn_layernorm.weight`, shape: [H], data: norm(rng, H) });
    tensors.push({ name: `${p}.post_attention_layernorm.weight`, shape: [H], data: norm(rng, H, normCenter) });
    if (gemma) {
      // Gemma's sandwich: post_attention_layernorm normalizes the attention's output, these two the MLP's input and output.
      tensors.push({ name: `${p}.pre_feedforward_layernorm.weight`, shape: [H], data: norm(rng, H, normCenter) });
      tensors.push({ name: `${p}.post_feedforward_layernorm.weight`, shape: [H], data: norm(rng, H, normCenter) });
    }
    lin("mlp.gate_proj", s.intermediate, H);
    lin("mlp.up_proj", s.intermediate, H);
    lin("mlp.down_proj", H, s.intermediate);
    if (olmo2 || exaone4) tensors.push({ name: `${p}.post_feedforward_layernorm.weight`, shape: [H], data: norm(rng, H) });
    if (glm4) tensors.push({ name: `${p}.post_mlp_layernorm.weight`, shape: [H], data: norm(rng, H) });
  }
  tensors.push({ name: opts.lfm2 ? "model.embedding_norm.weight" : "model.norm.weight", shape: [H], data: norm(rng, H, normCenter) });
  if (opts.phi3 || glm4) fuseProjections(tensors, { qkv: Boolean(opts.phi3) });
  if (opts.phi4MiniRope && !opts.phi3) throw new Error("tiny model: phi4MiniRope is a Phi-3 option (set phi3)");
  if (opts.yarn && (gemma || opts.phi4MiniRope)) throw new Error("tiny model: yarn is for the Llama-style models (not Gemma, not with phi4MiniRope)");
  if (!tied) tensors.push({ name: "lm_head.weight", shape: [V, H], data: randn(rng, V * H, headStd) });

  const dtypeName = (opts.dtype ?? "BF16") === "BF16" ? "bfloat16" : "float32";
  const eos = gemma ? tok.tokenId("<eos>") : granite ? tok.ids["<|end_of_text|>"] : tok.ids["<|im_end|>"];
  const bos = gemma ? tok.tokenId("<bos>") : granite ? eos : opts.lfm2 ? tok.tokenId("<|startoftext|>") : tok.ids["<|begin_of_text|>"];
  const config: Record<string, unknown> = gemma ? gemmaConfig(s, tok, headDim, dtypeName, opts) : opts.lfm2 ? lfm2Config(s, V, tied, dtypeName, bos, eos) : {
    architectures: [opts.qwen2 ? "Qwen2ForCausalLM" : opts.qwen3 ? "Qwen3ForCausalLM" : opts.phi3 ? "Phi3ForCausalLM" : granite ? "GraniteForCausalLM" : smollm3 ? "SmolLM3ForCausalLM" : olmo3 ? "Olmo3ForCausalLM" : olmo2 ? "Olmo2ForCausalLM" : glm4 ? "Glm4ForCausalLM" : exaone4 ? "Exaone4ForCausalLM" : opts.ministral3 ? "Ministral3ForCausalLM" : "LlamaForCausalLM"],
    model_type: opts.qwen2 ? "qwen2" : opts.qwen3 ? "qwen3" : opts.phi3 ? "phi3" : granite ? "granite" : smollm3 ? "smollm3" : olmo3 ? "olmo3" : olmo2 ? "olmo2" : glm4 ? "glm4" : exaone4 ? "exaone4" : opts.ministral3 ? "ministral3" : "llama",
    vocab_size: V,
    hidden_size: H,
    intermediate_size: s.intermediate,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    head_dim: headDim,
    hidden_act: "silu",
    max_position_embeddings: s.maxPositions,
    rms_norm_eps: 1e-5,
    rope_theta: 10000.0,
    rope_scaling: null,
    tie_word_embeddings: tied,
    attention_bias: Boolean(opts.qwen2) || glm4,
    bos_token_id: bos,
    eos_token_id: eos,
    torch_dtype: dtypeName,
    ...(opts.phi4MiniRope ? phi4MiniRope(headDim, s.maxPositions) : {}),
    ...(opts.yarn
      ? { max_position_embeddings: 4 * s.maxPositions, rope_scaling: { rope_type: "yarn", factor: 4.0, original_max_position_embeddings: s.maxPositions } }
      : {}),
    // Granite's scores are scaled by attention_multiplier instead of head_dim^-0.5 (granite-3.3-8b: 1/128 = 1/head_dim).
    ...(granite ? { ...GRANITE_MULTIPLIERS, attention_multiplier: 1 / headDim } : {}),
    ...(smollm3 ? { no_rope_layers: Array.from({ length: s.layers }, (_, l) => 1 - (l % 2)), use_sliding_window: false, sliding_window: null } : {}),
    ...(olmo3 || exaone4
      ? { sliding_window: opts.slidingWindow ?? 8, layer_types: Array.from({ length: s.layers }, (_, l) => ((l + 1) % 2 ? "sliding_attention" : "full_attention")) }
      : {}),
    ...(opts.ministral3
      ? {
          rope_theta: undefined, rope_scaling: undefined, sliding_window: null,
          rope_parameters: {
            rope_type: "yarn", rope_theta: 10000.0, factor: 4.0, original_max_position_embeddings: MINISTRAL3_ORIGINAL,
            beta_fast: 32.0, beta_slow: 1.0, mscale: 1.0, mscale_all_dim: 1.0, llama_4_scaling_beta: 0.5,
          },
        }
      : {}),
    // Glm4Config's keys beyond Llama's, written out rather than left to its defaults.
    ...(glm4 ? { partial_rotary_factor: GLM4_PARTIAL_ROTARY_FACTOR, attention_dropout: 0.0 } : {}),
  };

  fs.mkdirSync(opts.dir, { recursive: true });
  const write = (name: string, value: unknown) => fs.writeFileSync(path.join(opts.dir, name), JSON.stringify(value, null, 2) + "\n");
  write("config.json", config);
  write("generation_config.json", { bos_token_id: bos, eos_token_id: config.eos_token_id, ...(gemma ? { pad_token_id: config.pad_token_id } : {}) });
  write("tokenizer.json", tok.json);
  // add_bos_token stays false for Gemma too (its real tokenizer adds <bos>): the template writes bos_token itself,
  // and nothing here encodes with special tokens added.
  write("tokenizer_config.json", {
    bos_token: gemma ? "<bos>" : granite ? "<|end_of_text|>" : opts.lfm2 ? "<|startoftext|>" : "<|begin_of_text|>",
    eos_token: gemma ? "<eos>" : granite ? "<|end_of_text|>" : "<|im_end|>",
    pad_token: gemma ? "<pad>" : granite ? "<|end_of_text|>" : "<|pad|>",
    model_max_length: s.maxPositions,
    add_bos_token: false,
    chat_template: gemma ? GEMMA3_CHAT_TEMPLATE : opts.qwen3 ? QWEN3_CHAT_TEMPLATE : granite ? GRANITE_CHAT_TEMPLATE : opts.lfm2 ? LFM2_CHAT_TEMPLATE : CHATML_TEMPLATE,
    tokenizer_class: "PreTrainedTokenizerFast",
  });
  writeSafetensors(path.join(opts.dir, "model.safetensors"), tensors, opts.dtype ?? "BF16");
  const numParameters = tensors.reduce((n, t) => n + t.data.length, 0);
  return { dir: opts.dir, config, vocabSize: V, numParameters, eosTokenId: eos, bosTokenId: bos };
}

/** The config.json keys of Phi-4-mini's RoPE for a tiny shape (see TinyModelOptions.phi4MiniRope). */
function phi4MiniRope(headDim: number, maxPositions: number): Record<string, unknown> {
  const pairs = Math.floor(headDim * 0.75) / 2;
  if (!Number.isInteger(pairs)) throw new Error(`tiny model: 3/4 of head_dim ${headDim} is not an even number of dimensions`);
  return {
    partial_rotary_factor: 0.75,
    max_position_embeddings: 4 * maxPositions,
    original_max_position_embeddings: maxPositions,
    rope_scaling: { type: "longrope", short_factor: Array.from({ length: pairs }, (_, j) => 1 + j / 8), long_factor: new Array<number>(pairs).fill(2) },
  };
}

/**
 * Phi-3's layout: each layer's q, k, v rows stacked into one qkv_proj, gate and up rows into one gate_up_proj; GLM-4's:
 * gate_up_proj alone (qkv false), its q, k, v (and their biases) left apart.
 */
function fuseProjections(tensors: Tensor[], { qkv }: { qkv: boolean }): void {
  const groups = [
    ...(qkv ? [["self_attn.qkv_proj", ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"]] as const] : []),
    ["mlp.gate_up_proj", ["mlp.gate_proj", "mlp.up_proj"]] as const,
  ];
  for (let at = 0; at < tensors.length; at++) {
    const m = /^(model\.layers\.\d+)\.(.+)\.weight$/.exec(tensors[at]!.name);
    const group = m && groups.find(([, parts]) => parts[0] === m[2]);
    if (!m || !group) continue;
    const parts = group[1].map((part) => tensors.find((t) => t.name === `${m[1]}.${part}.weight`)!);
    const rows = parts.reduce((n, t) => n + t.shape[0]!, 0);
    const data = new Float32Array(parts.reduce((n, t) => n + t.data.length, 0));
    let off = 0;
    for (const t of parts) data.set(t.data, off), (off += t.data.length);
    tensors[at] = { name: `${m[1]}.${group[0]}.weight`, shape: [rows, parts[0]!.shape[1]!], data };
    for (const t of parts.slice(1)) tensors.splice(tensors.indexOf(t), 1);
  }
}

/**
 * config.json of a Gemma3ForCausalLM as transformers 4.5x publishes it (gemma-3-1b's keys), or of a Gemma2ForCausalLM
 * (gemma-2-2b's: its soft caps, one RoPE base, no window pattern key), from the tiny shape.
 */
function gemmaConfig(s: Shape, tok: TinyTokenizer, headDim: number, dtype: string, opts: TinyModelOptions): Record<string, unknown> {
  const window = opts.slidingWindow ?? 8;
  const pattern = opts.gemma2 ? 2 : (opts.slidingWindowPattern ?? 2);
  const caps = opts.softcaps ?? { attn: 50, final: 30 };
  for (const cap of [caps.attn, caps.final])
    if (cap !== null && !(cap > 0)) throw new Error(`tiny model: a soft cap must be positive (or null for none), got ${cap}`);
  const layerTypes = Array.from({ length: s.layers }, (_, i) => ((i + 1) % pattern === 0 ? "full_attention" : "sliding_attention"));
  if (!(Number.isInteger(window) && window > 0)) throw new Error(`tiny model: slidingWindow must be a positive integer, got ${window}`);
  if (!(Number.isInteger(pattern) && pattern > 0)) throw new Error(`tiny model: slidingWindowPattern must be a positive integer, got ${pattern}`);
  const family = opts.gemma2
    ? {
        architectures: ["Gemma2ForCausalLM"], model_type: "gemma2", rope_theta: 1e4, layer_types: layerTypes,
        attn_logit_softcapping: caps.attn, final_logit_softcapping: caps.final,
      }
    : {
        architectures: ["Gemma3ForCausalLM"], model_type: "gemma3_text", rope_theta: 1e6, rope_local_base_freq: 1e4,
        sliding_window_pattern: pattern,
        // Written out as transformers 4.53+ does; the same split as the pattern (readers may use either).
        layer_types: layerTypes, final_logit_softcapping: null, attn_logit_softcapping: null,
      };
  return {
    ...family,
    vocab_size: tok.vocabSize,
    hidden_size: s.hidden,
    intermediate_size: s.intermediate,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    head_dim: headDim,
    hidden_activation: "gelu_pytorch_tanh",
    query_pre_attn_scalar: opts.queryPreAttnScalar ?? headDim,
    max_position_embeddings: s.maxPositions,
    rms_norm_eps: 1e-6,
    rope_scaling: null,
    sliding_window: window,
    attention_bias: false,
    tie_word_embeddings: true,
    bos_token_id: tok.tokenId("<bos>"),
    // Gemma stops on <eos> and on the chat's <end_of_turn>, as its published config and generation_config say.
    eos_token_id: [tok.tokenId("<eos>"), tok.tokenId("<end_of_turn>")],
    pad_token_id: tok.tokenId("<pad>"),
    torch_dtype: dtype,
  };
}
