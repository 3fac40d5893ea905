// One decoder layer, forward and backward (HF LlamaDecoderLayer semantics), on N = B*T rows:
//   x2 = x + o_proj(attn(rope(q_proj(n1)), rope(k_proj(n1)), v_proj(n1))),  n1 = rmsnorm(x)
//   y  = x2 + down_proj(silu(gate_proj(n2)) * up_proj(n2)),                  n2 = rmsnorm(x2)
// Qwen3 normalizes each head of q and k (q_norm, k_norm) between the projection and RoPE. Gemma 3 does too, and
// also normalizes each sublayer's output before its residual add ("sandwich" norms), gates with GELU, and windows
// the attention of its sliding layers:
//   x2 = x + norm_a(o_proj(attn(...))),  y = x2 + norm_m(down_proj(gelu(gate_proj(n2)) * up_proj(n2)))
// Gemma 2 has Gemma 3's layer without the q/k norms, and soft-caps the scores (AttnShape::softcap).
// Phi-3 computes q, k, v with one qkv_proj and gate, up with one gate_up_proj (qkv_forward, gate_up_forward).
// Granite scales each sublayer's output by residual_multiplier before its residual add (residual_scale), and its
// scores by attention_multiplier (through q's RoPE scale, q_rope_scale). SmolLM3's NoPE layers skip RoPE. OLMo 2
// has Gemma's output norms without the input norms (input_norm_forward passes the input on), and normalizes q and k
// whole rather than per head:
//   x2 = x + norm_a(o_proj(attn(...))),  y = x2 + norm_m(down_proj(silu(gate_proj(x2)) * up_proj(x2)))
// LFM2's conv layers put a gated short convolution (conv_forward, llama_conv.cc) in attention's place:
//   x2 = x + out_proj(C · conv(B · x')),  B, C, x' = in_proj(n1)
#include <algorithm>
#include <initializer_list>
#include <utility>

#include "kernels/attention.h"
#include "kernels/embedding.h"
#include "kernels/matmul.h"
#include "kernels/nf4_linear.h"
#include "kernels/rmsnorm.h"
#include "kernels/rope.h"
#include "kernels/swiglu.h"
#include "model/llama_impl.h"

namespace tf {

using namespace kernels;

namespace {
// y = y · y_scale + x: a sublayer's output y joins the residual stream x (Granite's residual_multiplier as y_scale).
void add_into(ThreadPool* pool, float* y, const float* x, int64_t n, float y_scale = 1.f) {
  pool->parallel_for_grain(n, 4096, [&](int64_t b, int64_t e, int) {
    if (y_scale == 1.f)
      for (int64_t i = b; i < e; ++i) y[i] += x[i];
    else
      for (int64_t i = b; i < e; ++i) y[i] = y[i] * y_scale + x[i];
  });
}
// out = x · s (the gradient reaching a sublayer's output through a scaled residual add).
void scale_into(ThreadPool* pool, float* out, const float* x, float s, int64_t n) {
  pool->parallel_for_grain(n, 4096, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) out[i] = x[i] * s;
  });
}
const float* opt(const std::vector<float>& v) { return v.empty() ? nullptr : v.data(); }
}  // namespace

void LlamaModel::Impl::window_starts(int B, int T, const std::vector<int32_t>& seg_start,
                                     std::vector<int32_t>& out) const {
  if (cfg.sliding_window <= 0) return out.clear();
  out.resize(seg_start.size());
  // transformers' sliding mask: key j is visible to query i when i − j < sliding_window.
  for (int64_t i = 0; i < int64_t(B) * T; ++i)
    out[i] = std::max<int32_t>(seg_start[i], int32_t(i % T) - cfg.sliding_window + 1);
}

const int32_t* LlamaModel::Impl::decode_starts(int l, int64_t first_key, int n, std::vector<int32_t>& scratch) const {
  if (!sliding(l) || first_key + n <= cfg.sliding_window) return nullptr;
  scratch.resize(n);
  for (int i = 0; i < n; ++i) scratch[i] = int32_t(std::max<int64_t>(0, first_key + i - cfg.sliding_window + 1));
  return scratch.data();
}

void LlamaModel::Impl::embed_rows(const int32_t* tokens, float* x, int64_t n) const {
  embedding_forward(pool, tokens, embed.data(), x, n, V, H);
  if (embed_scale == 1.f) return;
  pool->parallel_for_grain(n * H, 4096, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) x[i] *= embed_scale;
  });
}

void LlamaModel::Impl::gate_forward(const float* g, const float* u, float* h, int64_t n) const {
  if (cfg.hidden_act == "gelu_pytorch_tanh")
    geglu_tanh_forward(pool, g, u, h, n);
  else
    swiglu_forward(pool, g, u, h, n);
}

void LlamaModel::Impl::gate_backward(const float* dh, const float* g, const float* u, float* dg, float* du,
                                     int64_t n) const {
  if (cfg.hidden_act == "gelu_pytorch_tanh")
    geglu_tanh_backward(pool, dh, g, u, dg, du, n);
  else
    swiglu_backward(pool, dh, g, u, dg, du, n);
}

void LlamaModel::Impl::proj_forward(const Linear& lin, const float* x, float* y, int64_t N, const LoraDropout& d,
                                    std::vector<float>* lora_u) const {
  if (!y) {
    if (!lin.has_lora) return;
  } else if (lin.is_nf4) {
    nf4_linear_forward(pool, x, lin.q, opt(lin.bias), y, N);
  } else {
    linear_forward(pool, x, lin.dense(), opt(lin.bias), y, N, lin.in, lin.out);
  }
  if (y) mark(StepPhase::FrozenMatmul);
  if (!lin.has_lora) return;
  std::vector<float> local;
  std::vector<float>& u = lora_u ? *lora_u : local;
  u.resize(N * spec.rank);
  lora_forward(pool, {N, lin.in, lin.out, spec.rank}, x, lin.A.data(), lin.B.data(), scaling, d, u.data(), y);
  mark(StepPhase::Lora);
}

void LlamaModel::Impl::proj_backward(Linear& lin, const float* x, const float* dy, float* dx, bool accumulate,
                                     int64_t N, const LoraDropout& d, const std::vector<float>& lora_u) const {
  if (dx) {
    if (lin.is_nf4)
      nf4_linear_backward(pool, dy, lin.q, dx, accumulate, N);
    else
      linear_backward(pool, dy, nullptr, lin.dense(), dx, accumulate, nullptr, nullptr, N, lin.in, lin.out);
    mark(StepPhase::FrozenMatmul);
  }
  if (!lin.has_lora) return;
  lora_backward(pool, {N, lin.in, lin.out, spec.rank}, x, lin.A.data(), lin.B.data(), scaling, d, lora_u.data(), dy,
                lin.gA.data(), lin.gB.data(), dx);
  mark(StepPhase::Lora);
}

namespace {
// A fused projection's output rows [N, Σ widths] split into contiguous parts, and the parts' gradients joined back.
struct Part {
  float* p;
  int64_t w;
};
void split_rows(ThreadPool* pool, const float* f, int64_t N, std::initializer_list<Part> parts) {
  int64_t F = 0;
  for (const Part& x : parts) F += x.w;
  pool->parallel_for_grain(N, 64, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const float* row = f + i * F;
      for (const Part& x : parts) {
        std::copy_n(row, x.w, x.p + i * x.w);
        row += x.w;
      }
    }
  });
}
void join_rows(ThreadPool* pool, std::initializer_list<std::pair<const float*, int64_t>> parts, int64_t N, float* f) {
  int64_t F = 0;
  for (const auto& x : parts) F += x.second;
  pool->parallel_for_grain(N, 64, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      float* row = f + i * F;
      for (const auto& x : parts) row = std::copy_n(x.first + i * x.second, x.second, row);
    }
  });
}
}  // namespace

void LlamaModel::Impl::qkv_forward(const Layer& ly, const float* x, float* q, float* k, float* v, int64_t N,
                                   const Drops& d, LayerActs* a) const {
  auto u = [&](int p) { return a ? &a->lora_u[p] : nullptr; };
  if (!cfg.fused.qkv) {
    proj_forward(ly.proj[kQ], x, q, N, d[kQ], u(kQ));
    proj_forward(ly.proj[kK], x, k, N, d[kK], u(kK));
    proj_forward(ly.proj[kV], x, v, N, d[kV], u(kV));
    return;
  }
  const int64_t qd = int64_t(nh) * hd, kvd = int64_t(nkv) * hd;
  fused_out.resize(N * (qd + 2 * kvd));
  proj_forward(ly.proj[kQ], x, fused_out.data(), N, d[kQ], u(kQ));
  split_rows(pool, fused_out.data(), N, {{q, qd}, {k, kvd}, {v, kvd}});
}

void LlamaModel::Impl::gate_up_forward(const Layer& ly, const float* x, float* g, float* up, int64_t N, const Drops& d,
                                       LayerActs* a) const {
  auto u = [&](int p) { return a ? &a->lora_u[p] : nullptr; };
  if (!cfg.fused.gate_up) {
    proj_forward(ly.proj[kGate], x, g, N, d[kGate], u(kGate));
    proj_forward(ly.proj[kUp], x, up, N, d[kUp], u(kUp));
    return;
  }
  fused_out.resize(N * 2 * I);
  proj_forward(ly.proj[kGate], x, fused_out.data(), N, d[kGate], u(kGate));
  split_rows(pool, fused_out.data(), N, {{g, I}, {up, I}});  // Phi3MLP: gate, up = gate_up_proj(x).chunk(2)
}

void LlamaModel::Impl::qkv_backward(Layer& ly, const float* x, const float* dq, const float* dk, const float* dv,
                                    float* dx, int64_t N, const Drops& d, const LayerActs& a) {
  if (!cfg.fused.qkv) {
    proj_backward(ly.proj[kQ], x, dq, dx, false, N, d[kQ], a.lora_u[kQ]);
    proj_backward(ly.proj[kK], x, dk, dx, true, N, d[kK], a.lora_u[kK]);
    proj_backward(ly.proj[kV], x, dv, dx, true, N, d[kV], a.lora_u[kV]);
    return;
  }
  const int64_t qd = int64_t(nh) * hd, kvd = int64_t(nkv) * hd;
  fused_out.resize(N * (qd + 2 * kvd));
  join_rows(pool, {{dq, qd}, {dk, kvd}, {dv, kvd}}, N, fused_out.data());
  proj_backward(ly.proj[kQ], x, fused_out.data(), dx, false, N, d[kQ], a.lora_u[kQ]);
}

void LlamaModel::Impl::gate_up_backward(Layer& ly, const float* x, const float* dg, const float* du, float* dx,
                                        int64_t N, const Drops& d, const LayerActs& a) {
  if (!cfg.fused.gate_up) {
    proj_backward(ly.proj[kGate], x, dg, dx, false, N, d[kGate], a.lora_u[kGate]);
    proj_backward(ly.proj[kUp], x, du, dx, true, N, d[kUp], a.lora_u[kUp]);
    return;
  }
  fused_out.resize(N * 2 * I);
  join_rows(pool, {{dg, I}, {du, I}}, N, fused_out.data());
  proj_backward(ly.proj[kGate], x, fused_out.data(), dx, false, N, d[kGate], a.lora_u[kGate]);
}

void LlamaModel::Impl::input_norm_forward(const std::vector<float>& w, const float* x, float* n, float* rstd,
                                          int64_t N) const {
  if (w.empty()) {
    std::copy(x, x + N * H, n);  // OLMo 2 and 3: the sublayer reads its input as is
    return;
  }
  rmsnorm_forward(pool, x, w.data(), n, rstd, N, H, static_cast<float>(cfg.rms_norm_eps));
}

const float* LlamaModel::Impl::normed_input(const std::vector<float>& w, const float* x, std::vector<float>& n,
                                            std::vector<float>& rstd, int64_t N) const {
  if (w.empty()) return x;  // OLMo 2 and 3: no norm, so no copy either; backward reads x where it is kept
  n.resize(N * H), rstd.resize(N);
  input_norm_forward(w, x, n.data(), rstd.data(), N);
  return n.data();
}

void LlamaModel::Impl::input_norm_backward(const std::vector<float>& w, const float* dn, const float* x,
                                           const float* rstd, float* dx, int64_t N) const {
  if (w.empty())
    add_into(pool, dx, dn, N * H);
  else
    rmsnorm_backward(pool, dn, x, w.data(), rstd, dx, true, N, H);
}

void LlamaModel::Impl::qk_norm_forward(const Layer& ly, float* q, float* k, int64_t N, LayerActs* keep) const {
  if (ly.q_norm.empty()) return;
  const float eps = static_cast<float>(cfg.rms_norm_eps);
  // The norm's rows: each head (hd values), or OLMo 2's whole q and k rows.
  const int64_t qw = cfg.qk_norm_whole ? int64_t(nh) * hd : hd, kw = cfg.qk_norm_whole ? int64_t(nkv) * hd : hd;
  float *rq = nullptr, *rk = nullptr;
  if (keep) {
    // The norm's backward needs its input: keep the projections' outputs, then normalize them back into q and k.
    keep->q_raw.assign(q, q + N * nh * hd), keep->k_raw.assign(k, k + N * nkv * hd);
    keep->rstd_q.resize(N * nh), keep->rstd_k.resize(N * nkv);
    rq = keep->rstd_q.data(), rk = keep->rstd_k.data();
  }
  // Rows are heads: [N, nh*hd] is [N*nh, hd]. In place is safe: each row's sum is taken before it is written.
  rmsnorm_forward(pool, keep ? keep->q_raw.data() : q, ly.q_norm.data(), q, rq, N * nh * hd / qw, qw, eps);
  rmsnorm_forward(pool, keep ? keep->k_raw.data() : k, ly.k_norm.data(), k, rk, N * nkv * hd / kw, kw, eps);
}

void LlamaModel::Impl::qk_norm_backward(const Layer& ly, float* dq, float* dk, int64_t N, const LayerActs& a) const {
  if (ly.q_norm.empty()) return;
  const int64_t qw = cfg.qk_norm_whole ? int64_t(nh) * hd : hd, kw = cfg.qk_norm_whole ? int64_t(nkv) * hd : hd;
  // In place: each row's dot product is taken before the row is written.
  rmsnorm_backward(pool, dq, a.q_raw.data(), ly.q_norm.data(), a.rstd_q.data(), dq, false, N * nh * hd / qw, qw);
  rmsnorm_backward(pool, dk, a.k_raw.data(), ly.k_norm.data(), a.rstd_k.data(), dk, false, N * nkv * hd / kw, kw);
}

void LlamaModel::Impl::layer_forward(int l, const float* x_in, float* x_out, int B, int T, const int32_t* positions,
                                     const int32_t* seg_start, LayerActs& a, bool for_backward) const {
  const Layer& ly = layers[l];
  const int64_t N = int64_t(B) * T, qd = int64_t(nh) * hd, kvd = int64_t(nkv) * hd;
  const float eps = static_cast<float>(cfg.rms_norm_eps);
  const auto& dr = drop[l];
  const float* xn1 = normed_input(ly.input_norm, x_in, a.xn1, a.rstd1, N);
  mark(StepPhase::Elementwise);
  const bool recompute = x_out == nullptr;
  const int o = out_slot(l);
  if (convolves(l)) {
    conv_forward(l, xn1, B, T, seg_start, a, recompute);  // a.att: the operator's output, as attention's below
  } else {
    a.q.resize(N * qd), a.k.resize(N * kvd), a.v.resize(N * kvd);
    qkv_forward(ly, xn1, a.q.data(), a.k.data(), a.v.data(), N, dr, &a);
    // The norm's input is kept only for a backward; a loss or logits pass normalizes in place.
    qk_norm_forward(ly, a.q.data(), a.k.data(), N, for_backward ? &a : nullptr);
    if (rotates(l)) {
      const bool long_pass = long_rope(positions, N);
      rope_forward(pool, a.q.data(), positions, rope_freqs(l, long_pass), N, nh, hd, rope_dim, q_rope_scale_of(l), cfg.rope_interleaved, {},
                   q_temperature);
      rope_forward(pool, a.k.data(), positions, rope_freqs(l, long_pass), N, nkv, hd, rope_dim, k_rope_scale_of(l), cfg.rope_interleaved);
    }
    mark(StepPhase::Elementwise);
    if (!recompute) {
      if (for_backward) a.lse.resize(int64_t(B) * nh * T);
      a.att.resize(N * qd);
      AttnShape s{B, T, T, nh, nkv, hd, 0, attn_softcap()};
      attention_forward(pool, s, a.q.data(), a.k.data(), a.v.data(), attention_starts(l, seg_start),
                        for_backward ? a.lse.data() : nullptr, a.att.data());
      mark(StepPhase::Attention);
    }
  }
  a.x2.resize(N * H);
  const bool sandwich = !ly.mlp_out_norm.empty();
  if (sandwich) {
    // x2 = x + norm(o_proj(att)): o_proj's output and its rstd are what the norm's backward reads.
    a.ao.resize(N * H), a.rstd_ao.resize(N);
    proj_forward(ly.proj[o], a.att.data(), a.ao.data(), N, dr[o], &a.lora_u[o]);
    rmsnorm_forward(pool, a.ao.data(), ly.attn_out_norm.data(), a.x2.data(), a.rstd_ao.data(), N, H, eps);
  } else {
    proj_forward(ly.proj[o], a.att.data(), a.x2.data(), N, dr[o], &a.lora_u[o]);
  }
  add_into(pool, a.x2.data(), x_in, N * H, residual_scale);
  const float* xn2 = normed_input(ly.post_norm, a.x2.data(), a.xn2, a.rstd2, N);
  mark(StepPhase::Elementwise);
  a.g.resize(N * I), a.u.resize(N * I), a.h.resize(N * I);
  gate_up_forward(ly, xn2, a.g.data(), a.u.data(), N, dr, &a);
  // The recompute needs the down projection only for its adapter, or for the output norm's backward.
  if (recompute && !ly.proj[kDown].has_lora && !sandwich) return;
  gate_forward(a.g.data(), a.u.data(), a.h.data(), N * I);
  mark(StepPhase::Elementwise);
  if (sandwich) {
    a.mo.resize(N * H), a.rstd_mo.resize(N);
    proj_forward(ly.proj[kDown], a.h.data(), a.mo.data(), N, dr[kDown], &a.lora_u[kDown]);
    // The recompute wants only the rstd; the normalized rows go to scratch then.
    float* y = x_out;
    if (recompute) a.tmp.resize(N * H), y = a.tmp.data();
    rmsnorm_forward(pool, a.mo.data(), ly.mlp_out_norm.data(), y, a.rstd_mo.data(), N, H, eps);
  } else {
    proj_forward(ly.proj[kDown], a.h.data(), x_out, N, dr[kDown], &a.lora_u[kDown]);
  }
  if (recompute) return;
  add_into(pool, x_out, a.x2.data(), N * H, residual_scale);
  mark(StepPhase::Elementwise);
}

void LlamaModel::Impl::layer_backward(int l, const float* x_in, const float* dx_out, float* dx_in, bool need_dx, int B,
                                      int T, const int32_t* positions, const int32_t* seg_start, LayerActs& a) {
  Layer& ly = layers[l];
  const int64_t N = int64_t(B) * T, qd = int64_t(nh) * hd, kvd = int64_t(nkv) * hd;
  const auto& dr = drop[l];
  Workspace& w = ws;
  // MLP
  w.dh.resize(N * I), w.dg.resize(N * I), w.du.resize(N * I), w.dxn.resize(N * H), w.dx2.resize(N * H);
  const bool sandwich = !ly.mlp_out_norm.empty();
  const float* d_mlp_out = dx_out;
  if (sandwich) {
    // Through the MLP's output norm first; dxn is free until the gate and up projections write it.
    rmsnorm_backward(pool, dx_out, a.mo.data(), ly.mlp_out_norm.data(), a.rstd_mo.data(), w.dxn.data(), false, N, H);
    d_mlp_out = w.dxn.data();
  } else if (residual_scale != 1.f) {
    scale_into(pool, w.dxn.data(), dx_out, residual_scale, N * H);  // dxn: free as above
    d_mlp_out = w.dxn.data();
  }
  proj_backward(ly.proj[kDown], a.h.data(), d_mlp_out, w.dh.data(), false, N, dr[kDown], a.lora_u[kDown]);
  gate_backward(w.dh.data(), a.g.data(), a.u.data(), w.dg.data(), w.du.data(), N * I);
  mark(StepPhase::Elementwise);
  // The MLP's input: its norm's output, or (no input norm) x2 itself.
  gate_up_backward(ly, ly.post_norm.empty() ? a.x2.data() : a.xn2.data(), w.dg.data(), w.du.data(), w.dxn.data(), N, dr, a);
  std::copy(dx_out, dx_out + N * H, w.dx2.begin());  // residual
  input_norm_backward(ly.post_norm, w.dxn.data(), a.x2.data(), a.rstd2.data(), w.dx2.data(), N);
  mark(StepPhase::Elementwise);
  // Attention, or LFM2's convolution
  const bool conv = convolves(l);
  const int o = out_slot(l);
  w.datt.resize(N * (conv ? H : qd));
  const float* d_attn_out = w.dx2.data();
  if (sandwich) {
    // Through the attention's output norm; dxn is free again until the q/k/v projections write it.
    rmsnorm_backward(pool, w.dx2.data(), a.ao.data(), ly.attn_out_norm.data(), a.rstd_ao.data(), w.dxn.data(), false,
                     N, H);
    d_attn_out = w.dxn.data();
  } else if (residual_scale != 1.f) {
    scale_into(pool, w.dxn.data(), w.dx2.data(), residual_scale, N * H);
    d_attn_out = w.dxn.data();
  }
  proj_backward(ly.proj[o], a.att.data(), d_attn_out, w.datt.data(), false, N, dr[o], a.lora_u[o]);
  // The first layer's input is the frozen embedding: only the LoRA gradients are needed there.
  float* dxn = need_dx ? w.dxn.data() : nullptr;
  const float* xn1 = ly.input_norm.empty() ? x_in : a.xn1.data();
  if (conv) {
    conv_backward(l, xn1, w.datt.data(), dxn, B, T, seg_start, a);
  } else {
    w.dq.resize(N * qd), w.dk.resize(N * kvd), w.dv.resize(N * kvd);
    AttnShape s{B, T, T, nh, nkv, hd, 0, attn_softcap()};
    attention_backward(pool, s, a.q.data(), a.k.data(), a.v.data(), attention_starts(l, seg_start), a.lse.data(),
                       w.datt.data(), w.dq.data(), w.dk.data(), w.dv.data());
    mark(StepPhase::AttentionBackward);
    if (rotates(l)) {
      const bool long_pass = long_rope(positions, N);
      rope_backward(pool, w.dq.data(), positions, rope_freqs(l, long_pass), N, nh, hd, rope_dim, q_rope_scale_of(l), cfg.rope_interleaved,
                    q_temperature);
      rope_backward(pool, w.dk.data(), positions, rope_freqs(l, long_pass), N, nkv, hd, rope_dim, k_rope_scale_of(l), cfg.rope_interleaved);
    }
    qk_norm_backward(ly, w.dq.data(), w.dk.data(), N, a);
    mark(StepPhase::Elementwise);
    qkv_backward(ly, xn1, w.dq.data(), w.dk.data(), w.dv.data(), dxn, N, dr, a);
  }
  if (!need_dx) return;
  std::copy(w.dx2.begin(), w.dx2.begin() + N * H, dx_in);
  input_norm_backward(ly.input_norm, w.dxn.data(), x_in, a.rstd1.data(), dx_in, N);
  mark(StepPhase::Elementwise);
}

}  // namespace tf
