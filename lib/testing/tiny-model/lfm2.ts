import type { Shape } from "./presets";
import type { Rng } from "./rng";
import type { Tensor } from "./safetensors";

// The tiny LFM2 (Lfm2ForCausalLM, Liquid AI's LFM2): its layers' tensors under LFM2's module names and its config.json
// with the original checkpoints' keys (block_ff_dim, norm_eps, theta, tie_embedding, layer_types), which
// native/src/io/config_lfm2.cc and lib/models/shape.ts read as transformers' Lfm2Config does.

/** LFM2's short convolution spans this many positions (conv_L_cache; every published LFM2 uses 3). */
export const LFM2_CONV_KERNEL = 3;

/** Even layers convolve, odd ones attend: the tiny preset's two layers are one of each (LFM2-1.2B: 10 conv, 6 attention). */
export const lfm2LayerTypes = (layers: number): string[] => Array.from({ length: layers }, (_, l) => (l % 2 === 0 ? "conv" : "full_attention"));

type Draw = { randn(n: number, std: number): Float32Array; norm(n: number): Float32Array };

/**
 * Layer l's tensors: operator_norm and ffn_norm; on a conv layer conv.in_proj [3H, H] (B, C, x), conv.out_proj and the
 * depthwise conv.conv [H, 1, 3]; on an attention layer q/k/v_proj, out_proj and the per-head q_layernorm / k_layernorm;
 * the SwiGLU feed_forward w1 (gate), w3 (up), w2 (down). in_proj and the convolution are drawn wider than the other
 * projections, so the conv layers' output is not negligible beside the residual (a test that left the convolution out
 * would see it).
 */
export function lfm2LayerTensors(l: number, s: Shape, headDim: number, std: number, draw: Draw): Tensor[] {
  const p = `model.layers.${l}`;
  const H = s.hidden;
  const out: Tensor[] = [];
  const lin = (name: string, rows: number, cols: number, sd = std) => out.push({ name: `${p}.${name}.weight`, shape: [rows, cols], data: draw.randn(rows * cols, sd) });
  out.push({ name: `${p}.operator_norm.weight`, shape: [H], data: draw.norm(H) });
  if (lfm2LayerTypes(s.layers)[l] === "conv") {
    lin("conv.in_proj", 3 * H, H, 0.1);
    lin("conv.out_proj", H, H);
    out.push({ name: `${p}.conv.conv.weight`, shape: [H, 1, LFM2_CONV_KERNEL], data: draw.randn(H * LFM2_CONV_KERNEL, 0.5) });
  } else {
    lin("self_attn.q_proj", s.heads * headDim, H);
    lin("self_attn.k_proj", s.kvHeads * headDim, H);
    lin("self_attn.v_proj", s.kvHeads * headDim, H);
    lin("self_attn.out_proj", H, s.heads * headDim);
    out.push({ name: `${p}.self_attn.q_layernorm.weight`, shape: [headDim], data: draw.norm(headDim) });
    out.push({ name: `${p}.self_attn.k_layernorm.weight`, shape: [headDim], data: draw.norm(headDim) });
  }
  out.push({ name: `${p}.ffn_norm.weight`, shape: [H], data: draw.norm(H) });
  lin("feed_forward.w1", s.intermediate, H);
  lin("feed_forward.w3", s.intermediate, H);
  lin("feed_forward.w2", H, s.intermediate);
  return out;
}

/**
 * config.json as LiquidAI's checkpoints write it: the MLP's width as block_ff_dim, of which Lfm2MLP takes two thirds
 * rounded up to block_multiple_of (here the largest power of two up to 256 dividing the preset's intermediate size,
 * so that it comes back exactly); no head_dim (hidden / heads); theta and tie_embedding.
 */
export function lfm2Config(s: Shape, vocab: number, tied: boolean, dtype: string, bos: number, eos: number): Record<string, unknown> {
  if ((s.intermediate * 3) % 2 !== 0 || s.intermediate % 2 !== 0) throw new Error(`tiny LFM2: intermediate ${s.intermediate} must be even`);
  if (s.headDim !== undefined && s.headDim * s.heads !== s.hidden) throw new Error("tiny LFM2: head_dim is hidden / heads (LFM2 has no head_dim key)");
  let multipleOf = 256;
  while (s.intermediate % multipleOf !== 0) multipleOf /= 2;
  return {
    architectures: ["Lfm2ForCausalLM"],
    model_type: "lfm2",
    vocab_size: vocab,
    hidden_size: s.hidden,
    block_ff_dim: (s.intermediate * 3) / 2,
    block_auto_adjust_ff_dim: true,
    block_ffn_dim_multiplier: 1.0,
    block_multiple_of: multipleOf,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    max_position_embeddings: s.maxPositions,
    norm_eps: 1e-5,
    theta: 1000000.0,
    rope_theta: 1000000.0,
    conv_L_cache: LFM2_CONV_KERNEL,
    conv_bias: false,
    layer_types: lfm2LayerTypes(s.layers),
    tie_embedding: tied,
    bos_token_id: bos,
    eos_token_id: eos,
    pad_token_id: 0,
    torch_dtype: dtype,
  };
}

/** The drawing helpers writeTinyModel uses, for lfm2LayerTensors. */
export function lfm2Draw(rng: Rng, randn: (rng: Rng, n: number, std: number) => Float32Array, norm: (rng: Rng, n: number) => Float32Array): Draw {
  return { randn: (n, std) => randn(rng, n, std), norm: (n) => norm(rng, n) };
}
