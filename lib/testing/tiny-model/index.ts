import fs from "node:fs";
import path from "node:path";
import { PRESETS, type PresetName, type Shape } from "./presets";
import { QWEN3_CHAT_TEMPLATE } from "./qwen3-template";
import { createRng, type Rng } from "./rng";
import { writeSafetensors, type Tensor, type TensorDtype } from "./safetensors";
import { buildTokenizer } from "./tokenizer";

// Seeded generator of a complete Hugging Face model folder (config.json, model.safetensors, tokenizer.json,
// tokenizer_config.json with a ChatML chat_template, generation_config.json). Tests and the demo use it
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
  dtype?: TensorDtype;
  /** Override parts of the preset's shape. */
  shape?: Partial<Shape>;
};

export type TinyModel = { dir: string; config: Record<string, unknown>; vocabSize: number; numParameters: number; eosTokenId: number; bosTokenId: number };

export const CHATML_TEMPLATE =
  "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

function randn(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
  return out;
}

// Norm weights near (not exactly) 1 so a forward that ignores them is caught by reference tests.
function norm(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 1 + 0.1 * rng.normal();
  return out;
}

export function writeTinyModel(opts: TinyModelOptions): TinyModel {
  const s: Shape = { ...PRESETS[opts.preset ?? "tiny"], ...opts.shape };
  if (opts.gqa) s.kvHeads = Math.max(1, s.heads / 2);
  if (s.headDim === undefined && s.hidden % s.heads !== 0) throw new Error(`tiny model: hidden ${s.hidden} is not a multiple of heads ${s.heads}`);
  if (s.heads % s.kvHeads !== 0) throw new Error(`tiny model: heads ${s.heads} is not a multiple of kv heads ${s.kvHeads}`);
  if (opts.qwen2 && opts.qwen3) throw new Error("tiny model: qwen2 or qwen3, not both");
  const headDim = s.headDim ?? s.hidden / s.heads;
  const tok = buildTokenizer(s.merges, opts.qwen3 ? ["<think>", "</think>"] : []);
  const V = tok.vocabSize;
  const H = s.hidden;
  const q = s.heads * headDim;
  const kv = s.kvHeads * headDim;
  const rng = createRng(opts.seed ?? 0);
  const std = 0.02;

  // The output projection gets std 1/√H (rows of norm ≈ 1): with 0.02 a tiny model's logits could never
  // move more than ~1 from uniform, so no test task could reach a low loss. A tied embedding is that projection.
  const headStd = 1 / Math.sqrt(H);
  const tensors: Tensor[] = [{ name: "model.embed_tokens.weight", shape: [V, H], data: randn(rng, V * H, opts.tiedEmbeddings ? headStd : std) }];
  for (let l = 0; l < s.layers; l++) {
    const p = `model.layers.${l}`;
    const lin = (name: string, out: number, inp: number) => tensors.push({ name: `${p}.${name}.weight`, shape: [out, inp], data: randn(rng, out * inp, std) });
    tensors.push({ name: `${p}.input_layernorm.weight`, shape: [H], data: norm(rng, H) });
    lin("self_attn.q_proj", q, H);
    lin("self_attn.k_proj", kv, H);
    lin("self_attn.v_proj", kv, H);
    lin("self_attn.o_proj", H, q);
    if (opts.qwen2) {
      for (const [name, n] of [["q_proj", q], ["k_proj", kv], ["v_proj", kv]] as const) {
        tensors.push({ name: `${p}.self_attn.${name}.bias`, shape: [n], data: randn(rng, n, std) });
      }
    }
    if (opts.qwen3) {
      tensors.push({ name: `${p}.self_attn.q_norm.weight`, shape: [headDim], data: norm(rng, headDim) });
      tensors.push({ name: `${p}.self_attn.k_norm.weight`, shape: [headDim], data: norm(rng, headDim) });
    }
    tensors.push({ name: `${p}.post_attention_layernorm.weight`, shape: [H], data: norm(rng, H) });
    lin("mlp.gate_proj", s.intermediate, H);
    lin("mlp.up_proj", s.intermediate, H);
    lin("mlp.down_proj", H, s.intermediate);
  }
  tensors.push({ name: "model.norm.weight", shape: [H], data: norm(rng, H) });
  if (!opts.tiedEmbeddings) tensors.push({ name: "lm_head.weight", shape: [V, H], data: randn(rng, V * H, headStd) });

  const eos = tok.ids["<|im_end|>"];
  const bos = tok.ids["<|begin_of_text|>"];
  const config: Record<string, unknown> = {
    architectures: [opts.qwen2 ? "Qwen2ForCausalLM" : opts.qwen3 ? "Qwen3ForCausalLM" : "LlamaForCausalLM"],
    model_type: opts.qwen2 ? "qwen2" : opts.qwen3 ? "qwen3" : "llama",
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
    tie_word_embeddings: Boolean(opts.tiedEmbeddings),
    attention_bias: Boolean(opts.qwen2),
    bos_token_id: bos,
    eos_token_id: eos,
    torch_dtype: (opts.dtype ?? "BF16") === "BF16" ? "bfloat16" : "float32",
  };

  fs.mkdirSync(opts.dir, { recursive: true });
  const write = (name: string, value: unknown) => fs.writeFileSync(path.join(opts.dir, name), JSON.stringify(value, null, 2) + "\n");
  write("config.json", config);
  write("generation_config.json", { bos_token_id: bos, eos_token_id: eos });
  write("tokenizer.json", tok.json);
  write("tokenizer_config.json", {
    bos_token: "<|begin_of_text|>",
    eos_token: "<|im_end|>",
    pad_token: "<|pad|>",
    model_max_length: s.maxPositions,
    add_bos_token: false,
    chat_template: opts.qwen3 ? QWEN3_CHAT_TEMPLATE : CHATML_TEMPLATE,
    tokenizer_class: "PreTrainedTokenizerFast",
  });
  writeSafetensors(path.join(opts.dir, "model.safetensors"), tensors, opts.dtype ?? "BF16");
  const numParameters = tensors.reduce((n, t) => n + t.data.length, 0);
  return { dir: opts.dir, config, vocabSize: V, numParameters, eosTokenId: eos, bosTokenId: bos };
}
