#pragma once
// Internals of LlamaModel shared by the model/*.cc files (load, LoRA management, training passes, decoding).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/lora.h"
#include "kernels/rope.h"
#include "model/llama.h"
#include "quant/nf4.h"

namespace tf {

// The per-layer projections in PEFT target-name order (also the LoRA parameter order): attention's four, the MLP's
// three, and LFM2's conv layers' two (in place of attention's there).
enum Proj { kQ = 0, kK, kV, kO, kGate, kUp, kDown, kConvIn, kConvOut, kNumProj };
// The model's name for projection slot p on layer l, or null where the layer has none there. Fused modules
// (cfg.fused: Phi-3's, GLM-4's) sit in the first slot of what they fuse: qkv_proj in kQ's, gate_up_proj in kGate's;
// the kK, kV (kUp) slots they absorb are empty. LFM2 names o_proj out_proj and its MLP's w1, w3, w2; its conv layers
// have in_proj and out_proj (kConvIn, kConvOut) and no attention slots, its attention layers no conv slots.
const char* proj_name(const ModelConfig& c, int layer, int p);
// "<prefix>layers.<l>.self_attn.q_proj", ".mlp.gate_proj", LFM2's ".feed_forward.w1", ".conv.in_proj", ...; prefix:
// the decoder's in the checkpoint (Impl::prefix).
std::string proj_module(const std::string& prefix, const ModelConfig& c, int layer, int p);

// A frozen linear layer (fp32 or NF4, optional bias) with an optional LoRA branch.
struct Linear {
  int64_t in = 0, out = 0;
  std::vector<float> w;           // [out, in] when dense
  const float* w_ext = nullptr;   // tied weight owned elsewhere (lm_head = embed_tokens)
  bool is_nf4 = false;
  Nf4Tensor q;
  std::vector<float> bias;        // empty = none
  bool has_lora = false;
  std::vector<float> A, B, gA, gB;  // A [r, in], B [out, r]

  const float* dense() const { return w_ext ? w_ext : w.data(); }
  int64_t bytes() const;
};

// Norm weights are held as the factor they scale by: Gemma's stored (scale − 1) gets its 1 added at load.
struct Layer {
  // The attention's and the MLP's input norms (Gemma's pre_feedforward); empty on OLMo 2, which has none.
  std::vector<float> input_norm, post_norm;
  // [head_dim] each, Qwen3 and Gemma 3 (cfg.qk_norm); [nh·hd] and [nkv·hd] on OLMo 2 (cfg.qk_norm_whole); empty otherwise
  std::vector<float> q_norm, k_norm;
  // Gemma 3 and OLMo 2 (cfg.sandwich_norms): the attention's output norm (its post_attention_layernorm) and the MLP's
  // (post_feedforward_layernorm), applied before each residual add. Empty otherwise.
  std::vector<float> attn_out_norm, mlp_out_norm;
  std::array<Linear, kNumProj> proj;
  // LFM2's conv layers: the short convolution's weights [H, conv_kernel] (conv.conv.weight [H, 1, K]); empty elsewhere.
  std::vector<float> conv_w;
};

// What a layer's backward needs from its forward. With checkpointing one of these is reused for every layer.
struct LayerActs {
  std::vector<float> xn1, rstd1, q, k, v, lse, att, x2, xn2, rstd2, g, u, h, tmp;  // xn1..rstd2 unused without input norms
  std::vector<float> q_raw, k_raw, rstd_q, rstd_k;  // qk_norm: q and k before their per-head norm, and its rstd
  std::vector<float> ao, rstd_ao, mo, rstd_mo;  // sandwich norms: o_proj's and down_proj's outputs, and their rstd
  // LFM2's conv layers: in_proj's output [N, 3H] (B, C, x) and the convolution of B·x [N, H]; att holds C · that, the
  // output projection's input, as attention's output on the other layers.
  std::vector<float> bcx, conv;
  std::array<std::vector<float>, kNumProj> lora_u;  // [N, r] per adapted projection
};

// Scratch reused across calls so steady-state training does not allocate (or page-fault) per step.
struct Workspace {
  std::vector<LayerActs> acts;                 // one per layer, or one shared with checkpointing
  std::vector<std::vector<float>> kept_att, kept_lse;  // checkpointing: each layer's attention output and lse
  std::vector<std::vector<float>> xs;          // layer inputs x_0..x_L [N, H]
  std::vector<float> xf, rstdf, logits, dxf, dx_a, dx_b;
  std::vector<float> dh, dg, du, dxn, dx2, datt, dq, dk, dv, dbcx;  // layer backward
  std::vector<int32_t> positions, seg_start;
  std::vector<int32_t> window_start;  // sliding layers: seg_start narrowed to the window (empty without one)
};

struct LlamaModel::Impl {
  ModelConfig cfg;
  // Where the decoder's tensors are in the checkpoint, and so what the PEFT modules are called: "model." (…ForCausalLM),
  // or for Gemma 3's image-text checkpoints "language_model.model." (transformers 4.50's layout, the published one) or
  // "model.language_model." (4.52+).
  std::string prefix = "model.";
  Quant quant = Quant::None;
  bool double_quant = false;
  ThreadPool* pool = nullptr;
  int H = 0, I = 0, V = 0, L = 0, nh = 0, nkv = 0, hd = 0;
  std::vector<float> embed, final_norm, inv_freq;
  // The sliding layers' own RoPE, never scaled (Gemma 3's rope_local_base_freq; OLMo 3's rope_theta without its
  // yarn); empty = inv_freq.
  std::vector<float> inv_freq_local;
  // longrope's long table (Phi-3.5-mini, Phi-4-mini), which a whole pass takes when its largest position reaches
  // long_rope_from (original_max_position_embeddings); empty elsewhere.
  std::vector<float> inv_freq_long;
  int64_t long_rope_from = 0;
  // The rotated dimensions of each head (head_dim, or fewer with Phi-4-mini's partial_rotary_factor), and the scale of
  // the rotated values (longrope's or yarn's attention factor; 1 otherwise).
  int rope_dim = 0;
  float rope_scale = 1.f;
  // q's RoPE scale: rope_scale, times Granite's attention_multiplier · sqrt(head_dim), which turns the attention
  // kernels' head_dim^-0.5 into the multiplier (RoPE is linear and rotates every dimension there).
  float q_rope_scale = 1.f;
  // q's RoPE scale on the sliding layers with their own RoPE: Granite's and Gemma 2's factors only (k's is 1 there).
  float q_rope_scale_local = 1.f;
  // Ministral 3: the queries' factor by position past the original context (ModelConfig's q_temperature_beta), on
  // every layer with q's RoPE; none elsewhere.
  kernels::QueryTemperature q_temperature;
  float embed_scale = 1.f;     // Gemma 3: sqrt(hidden_size) in the weights' dtype; Granite: embedding_multiplier
  float residual_scale = 1.f;  // Granite: each sublayer's output times residual_multiplier before its residual add
  // Gemma 2's soft caps of the scaled scores and of the logits (0 = none).
  float attn_softcap() const { return static_cast<float>(cfg.attn_logit_softcapping); }
  float logit_softcap() const { return static_cast<float>(cfg.final_logit_softcapping); }
  std::vector<Layer> layers;
  Linear lm_head;

  bool lora_on = false;
  LoraSpec spec;
  float scaling = 0.f;

  // Per-forward dropout keys [layer][proj]; all zero-probability when dropout is off.
  std::vector<std::array<kernels::LoraDropout, kNumProj>> drop;

  Workspace ws;
  // Phi-3: a fused projection's output [N, q+k+v or gate+up] before its rows are split (forward and decoding), or in
  // backward its parts' gradients joined. Never needed by two of these at once, so one buffer serves all.
  mutable std::vector<float> fused_out;
  // Profiling marks (off unless the trainer switches them on); mutable: the const forward passes mark too.
  mutable HostTimeline timeline;
  void mark(StepPhase p) const { timeline.mark(p); }

  // Base projection (+ LoRA) y = x Wᵀ (+ b) (+ s B A x); keeps the LoRA intermediate in lora_u when non-null.
  // y null: only the LoRA intermediate (nothing when the projection has no adapter).
  void proj_forward(const Linear& lin, const float* x, float* y, int64_t N, const kernels::LoraDropout& d,
                    std::vector<float>* lora_u) const;
  // dx (= or +=) for base and LoRA; LoRA grads accumulate. dx may be null (only LoRA grads wanted).
  void proj_backward(Linear& lin, const float* x, const float* dy, float* dx, bool accumulate, int64_t N,
                     const kernels::LoraDropout& d, const std::vector<float>& lora_u) const;

  // q, k, v = q_proj, k_proj, v_proj (x), or Phi-3's qkv_proj (x) split; likewise g, u = gate and up. lora_u from
  // `a` when given (training), dropout keys d[p].
  using Drops = std::array<kernels::LoraDropout, kNumProj>;
  void qkv_forward(const Layer& ly, const float* x, float* q, float* k, float* v, int64_t N, const Drops& d,
                   LayerActs* a) const;
  void gate_up_forward(const Layer& ly, const float* x, float* g, float* u, int64_t N, const Drops& d,
                       LayerActs* a) const;
  // Their backward: dx = (q,k,v's or gate,up's input gradient), null for LoRA gradients only.
  void qkv_backward(Layer& ly, const float* x, const float* dq, const float* dk, const float* dv, float* dx, int64_t N,
                    const Drops& d, const LayerActs& a);
  void gate_up_backward(Layer& ly, const float* x, const float* dg, const float* du, float* dx, int64_t N,
                        const Drops& d, const LayerActs& a);

  // LFM2's conv layers, whose operator is the short convolution (conv_forward) rather than attention, and the slot of
  // the operator's output projection.
  bool convolves(int l) const { return cfg.convolves(l); }
  int out_slot(int l) const { return convolves(l) ? kConvOut : kO; }
  // A layer's place in the decoding caches: among the attention layers (k, v) or among the conv layers (conv).
  std::vector<int> cache_index;
  int attention_layers = 0, conv_layers = 0;

  // Per-layer choices: the sliding-window layers (Gemma 3's, Mistral's, Phi-3's, a windowed Qwen's; every layer is a
  // full-attention one otherwise).
  bool sliding(int l) const { return !cfg.layer_sliding.empty() && cfg.layer_sliding[l]; }
  // SmolLM3's NoPE layers attend without rotating q and k (everything else is Llama's).
  bool rotates(int l) const { return cfg.layer_rope.empty() || cfg.layer_rope[l]; }
  // Layer l's RoPE: the sliding layers' own (inv_freq_local, unscaled) where there is one, else the model's.
  bool local_rope(int l) const { return sliding(l) && !inv_freq_local.empty(); }
  // Whether a pass over these positions takes longrope's long table (transformers: max(position_ids) + 1 > original).
  bool long_rope(const int32_t* positions, int64_t n) const {
    if (inv_freq_long.empty()) return false;
    for (int64_t i = 0; i < n; ++i)
      if (positions[i] >= long_rope_from) return true;
    return false;
  }
  const float* rope_freqs(int l, bool long_pass) const {
    return local_rope(l) ? inv_freq_local.data() : long_pass ? inv_freq_long.data() : inv_freq.data();
  }
  // A batched decoding step's rows are separate sequences: each takes the long table by its own position, as it would
  // decoding alone (rope_forward's long_rows, over rope_freqs(l, false)).
  kernels::RopeLongRows long_rows(int l) const {
    if (inv_freq_long.empty() || local_rope(l)) return {};
    return {inv_freq_long.data(), long_rope_from};
  }
  float q_rope_scale_of(int l) const { return local_rope(l) ? q_rope_scale_local : q_rope_scale; }
  float k_rope_scale_of(int l) const { return local_rope(l) ? 1.f : rope_scale; }
  // First visible key of each query on layer l: the batch's segment starts, narrowed on a sliding layer to the
  // window (filled by window_starts when the batch is prepared).
  const int32_t* attention_starts(int l, const int32_t* seg_start) const {
    return sliding(l) ? ws.window_start.data() : seg_start;
  }
  void window_starts(int B, int T, const std::vector<int32_t>& seg_start, std::vector<int32_t>& out) const;
  // The same for decoding n queries at key indices first_key.. of one sequence: null when no window applies.
  const int32_t* decode_starts(int l, int64_t first_key, int n, std::vector<int32_t>& scratch) const;

  // Input embedding rows of n tokens, with Gemma's scale.
  void embed_rows(const int32_t* tokens, float* x, int64_t n) const;
  // The MLP's gate: silu(g)·u, or gelu_tanh(g)·u for Gemma 3.
  void gate_forward(const float* g, const float* u, float* h, int64_t n) const;
  void gate_backward(const float* dh, const float* g, const float* u, float* dg, float* du, int64_t n) const;

  // A sublayer's input norm, n = rmsnorm(x) · w on N rows of H (rstd may be null), or n = x where the model has none
  // (OLMo 2); and its backward, accumulated into dx.
  void input_norm_forward(const std::vector<float>& w, const float* x, float* n, float* rstd, int64_t N) const;
  // The same into a layer's buffers (n, rstd sized here), returning what the sublayer reads: n, or x itself where the
  // model has no input norm (kept by the caller for backward: the layer input, or x2).
  const float* normed_input(const std::vector<float>& w, const float* x, std::vector<float>& n, std::vector<float>& rstd,
                            int64_t N) const;
  void input_norm_backward(const std::vector<float>& w, const float* dn, const float* x, const float* rstd, float* dx,
                           int64_t N) const;

  // Qwen3's q_norm / k_norm: RMSNorm over each head of q [N, nh*hd] and k [N, nkv*hd] (OLMo 2: over all of each row),
  // before RoPE. In place (decoding); for training, raw_q / raw_k receive the projections' outputs the norm's backward
  // reads, with the rstd of each normalized row. Nothing when the model has no q/k norm.
  void qk_norm_forward(const Layer& ly, float* q, float* k, int64_t N, LayerActs* keep) const;
  // dq, dk (gradients after the norm, in place) → gradients of the projections' outputs.
  void qk_norm_backward(const Layer& ly, float* dq, float* dk, int64_t N, const LayerActs& a) const;

  // LFM2's operator on a conv layer, from the normalized input xn [N, H]: in_proj into a.bcx, the convolution into
  // a.conv, and (unless recompute, where the forward kept it) C · conv into a.att. seg_start: each row's first
  // position in its segment, before which the convolution sees zeros (as a sequence of its own would).
  void conv_forward(int l, const float* xn, int B, int T, const int32_t* seg_start, LayerActs& a, bool recompute) const;
  // Its backward from d(att) [N, H] to the LoRA gradients and (when dxn is non-null) the input's gradient.
  void conv_backward(int l, const float* xn, const float* datt, float* dxn, int B, int T, const int32_t* seg_start,
                     LayerActs& a);

  // One decoder layer on N = B*T rows: x_in → x_out, filling acts (without for_backward the attention
  // log-sum-exp is not kept). x_out null: a gradient-checkpointing recompute, which fills only what
  // layer_backward reads and acts does not hold already: the attention (acts holds its output and log-sum-exp,
  // kept by the forward pass), the down projection (a third of the MLP's weights) and the residual add are
  // skipped, and silu(gate)·up too unless down carries an adapter (its LoRA needs that input).
  void layer_forward(int l, const float* x_in, float* x_out, int B, int T, const int32_t* positions,
                     const int32_t* seg_start, LayerActs& a, bool for_backward) const;
  // dx_out → dx_in (dx_in may alias nothing; it is overwritten). need_dx = false skips the input gradient.
  void layer_backward(int l, const float* x_in, const float* dx_out, float* dx_in, bool need_dx, int B, int T,
                      const int32_t* positions, const int32_t* seg_start, LayerActs& a);
};

}  // namespace tf
