// Incremental decoding with a KV cache: n new tokens (a prompt prefill or one sampled token) attend to
// everything cached so far; only the last token's logits are computed.
#include <algorithm>

#include "common/error.h"
#include "kernels/attention.h"
#include "kernels/cross_entropy.h"
#include "kernels/matmul.h"
#include "kernels/rmsnorm.h"
#include "kernels/rope.h"
#include "kernels/short_conv.h"
#include "model/llama_impl.h"

namespace tf {

using namespace kernels;

namespace {

// A decoding layer after attention (or LFM2's convolution) on layer l, for n rows: x2 = x + o_proj(att);
// x = x2 + down_proj(gate(g, u)(norm(x2))), with Gemma's output norms on o_proj's and down_proj's results. x is the
// layer's input on entry and its output on return; x2, xn, g, u, h are scratch of the rows' sizes.
void layer_tail(LlamaModel::Impl& m, int l, int n, const float* att, float* x, float* x2, float* xn, float* g,
                float* u, float* h) {
  const Layer& ly = m.layers[l];
  const int64_t H = m.H, I = m.I;
  const float eps = static_cast<float>(m.cfg.rms_norm_eps);
  const bool sandwich = !ly.mlp_out_norm.empty();
  // xn holds a sublayer's output before its norm (it is free at both points).
  m.proj_forward(ly.proj[m.out_slot(l)], att, sandwich ? xn : x2, n, {}, nullptr);
  if (sandwich) rmsnorm_forward(m.pool, xn, ly.attn_out_norm.data(), x2, nullptr, n, H, eps);
  const float r = m.residual_scale;  // Granite's residual_multiplier; 1 elsewhere
  for (int64_t i = 0; i < n * H; ++i) x2[i] = x2[i] * r + x[i];
  m.input_norm_forward(ly.post_norm, x2, xn, nullptr, n);
  m.gate_up_forward(ly, xn, g, u, n, {}, nullptr);
  m.gate_forward(g, u, h, n * I);
  m.proj_forward(ly.proj[kDown], h, sandwich ? xn : x, n, {}, nullptr);
  if (sandwich) rmsnorm_forward(m.pool, xn, ly.mlp_out_norm.data(), x, nullptr, n, H, eps);
  for (int64_t i = 0; i < n * H; ++i) x[i] = x[i] * r + x2[i];
}

// The checks every decoding call makes of a cache: made for this model (its attention layers' k and v, its conv
// layers' states).
void check_cache(const LlamaModel::Impl& m, const LlamaModel::KVCache& c) {
  const int64_t kvd = int64_t(m.nkv) * m.hd;
  TF_CHECK(c.kv_dim == kvd && c.k.size() == size_t(m.attention_layers) * c.max_len * kvd &&
               c.conv.size() == size_t(m.conv_layers) * std::max(0, m.cfg.conv_kernel - 1) * m.H,
           "KV cache was made for another model");
}

// LFM2's conv layer l on n new positions of one sequence, from in_proj's output bcx [n, 3H]: the convolution over
// the cache's state of the layer (moved on past them) into att [n, H].
void conv_decode(LlamaModel::Impl& m, int l, LlamaModel::KVCache& c, const float* bcx, int n, float* att) {
  const int K = m.cfg.conv_kernel;
  float* state = c.conv.data() + int64_t(m.cache_index[l]) * (K - 1) * m.H;
  short_conv_decode(bcx, m.layers[l].conv_w.data(), n, m.H, K, state, att);
}

}  // namespace

std::unique_ptr<LlamaModel::KVCache> LlamaModel::new_cache(int max_len) const {
  const Impl& m = *impl_;
  TF_CHECK(max_len >= 1 && max_len <= m.cfg.max_position_embeddings,
           "KV cache length " + std::to_string(max_len) + " must be in [1, max_position_embeddings = " +
               std::to_string(m.cfg.max_position_embeddings) + "]");
  auto c = std::make_unique<KVCache>();
  c->max_len = max_len;
  c->kv_dim = m.nkv * m.hd;
  c->k.assign(int64_t(m.attention_layers) * max_len * c->kv_dim, 0.f);
  c->v.assign(c->k.size(), 0.f);
  c->conv.assign(int64_t(m.conv_layers) * std::max(0, m.cfg.conv_kernel - 1) * m.H, 0.f);
  return c;
}

void LlamaModel::decode(KVCache& c, const int32_t* tokens, int n, float* last_logits) {
  Impl& m = *impl_;
  const int64_t kvd = int64_t(m.nkv) * m.hd, qd = int64_t(m.nh) * m.hd, H = m.H, I = m.I;
  TF_CHECK(n >= 1, "decode needs at least one token");
  check_cache(m, c);
  TF_CHECK(c.len + n <= c.max_len, "KV cache full: " + std::to_string(c.len) + " + " + std::to_string(n) +
                                       " tokens exceed its length " + std::to_string(c.max_len));
  m.drop.assign(m.L, {});
  const float eps = static_cast<float>(m.cfg.rms_norm_eps);
  std::vector<float> x(n * H), xn(n * H), q(n * qd), att(n * std::max(qd, H)), x2(n * H), g(n * I), u(n * I), h(n * I);
  std::vector<float> bcx(m.conv_layers ? n * 3 * H : 0);
  std::vector<int32_t> pos(n), starts;
  for (int i = 0; i < n; ++i) pos[i] = c.len + i;
  m.embed_rows(tokens, x.data(), n);
  for (int l = 0; l < m.L; ++l) {
    const Layer& ly = m.layers[l];
    m.input_norm_forward(ly.input_norm, x.data(), xn.data(), nullptr, n);
    if (m.convolves(l)) {
      m.proj_forward(ly.proj[kConvIn], xn.data(), bcx.data(), n, {}, nullptr);
      conv_decode(m, l, c, bcx.data(), n, att.data());
      layer_tail(m, l, n, att.data(), x.data(), x2.data(), xn.data(), g.data(), u.data(), h.data());
      continue;
    }
    float* kl = c.k.data() + int64_t(m.cache_index[l]) * c.max_len * kvd;
    float* vl = c.v.data() + int64_t(m.cache_index[l]) * c.max_len * kvd;
    m.qkv_forward(ly, xn.data(), q.data(), kl + int64_t(c.len) * kvd, vl + int64_t(c.len) * kvd, n, {}, nullptr);
    m.qk_norm_forward(ly, q.data(), kl + int64_t(c.len) * kvd, n, nullptr);
    if (m.rotates(l)) {
      const bool long_pass = m.long_rope(pos.data(), n);  // this call's positions, as transformers' generate decides
      rope_forward(m.pool, q.data(), pos.data(), m.rope_freqs(l, long_pass), n, m.nh, m.hd, m.rope_dim, m.q_rope_scale_of(l), m.cfg.rope_interleaved, {},
                   m.q_temperature);
      rope_forward(m.pool, kl + int64_t(c.len) * kvd, pos.data(), m.rope_freqs(l, long_pass), n, m.nkv, m.hd, m.rope_dim, m.k_rope_scale_of(l), m.cfg.rope_interleaved);
    }
    AttnShape s{1, n, c.len + n, m.nh, m.nkv, m.hd, c.len, m.attn_softcap()};
    attention_forward(m.pool, s, q.data(), kl, vl, m.decode_starts(l, c.len, n, starts), nullptr, att.data());
    layer_tail(m, l, n, att.data(), x.data(), x2.data(), xn.data(), g.data(), u.data(), h.data());
  }
  c.len += n;
  const float* last = x.data() + int64_t(n - 1) * H;
  rmsnorm_forward(nullptr, last, m.final_norm.data(), xn.data(), nullptr, 1, H, eps);
  linear_forward(m.pool, xn.data(), m.lm_head.dense(), nullptr, last_logits, 1, H, m.V);
  softcap_logits(m.pool, last_logits, m.V, m.logit_softcap());
}

void LlamaModel::decode_step(KVCache* const* caches, const int32_t* tokens, int n, float* logits) {
  Impl& m = *impl_;
  const int64_t kvd = int64_t(m.nkv) * m.hd, qd = int64_t(m.nh) * m.hd, H = m.H, I = m.I;
  TF_CHECK(n >= 1, "decode step needs at least one sequence");
  for (int i = 0; i < n; ++i) {
    const KVCache& c = *caches[i];
    check_cache(m, c);
    TF_CHECK(c.len + 1 <= c.max_len, "KV cache " + std::to_string(i) + " full: its " + std::to_string(c.max_len) +
                                         " positions are used");
    TF_CHECK(tokens[i] >= 0 && tokens[i] < m.V, "decode step: token id " + std::to_string(tokens[i]) +
                                                    " is outside the vocabulary [0, " + std::to_string(m.V) + ")");
    // Two rows writing the same cache slot would corrupt it.
    for (int j = 0; j < i; ++j) TF_CHECK(caches[j] != caches[i], "decode step: sequences " + std::to_string(j) + " and " + std::to_string(i) + " share one KV cache");
  }
  m.drop.assign(m.L, {});
  const float eps = static_cast<float>(m.cfg.rms_norm_eps);
  std::vector<float> x(n * H), xn(n * H), q(n * qd), k(n * kvd), v(n * kvd), att(n * std::max(qd, H)), x2(n * H),
      g(n * I), u(n * I), h(n * I);
  std::vector<float> bcx(m.conv_layers ? n * 3 * H : 0);
  std::vector<int32_t> pos(n), starts;
  for (int i = 0; i < n; ++i) pos[i] = caches[i]->len;
  m.embed_rows(tokens, x.data(), n);
  for (int l = 0; l < m.L; ++l) {
    const Layer& ly = m.layers[l];
    // The projections see all n rows at once (one pass over each weight); attention is each sequence's own.
    m.input_norm_forward(ly.input_norm, x.data(), xn.data(), nullptr, n);
    if (m.convolves(l)) {
      // in_proj on all rows at once; each row then convolves with its own sequence's state.
      m.proj_forward(ly.proj[kConvIn], xn.data(), bcx.data(), n, {}, nullptr);
      for (int i = 0; i < n; ++i) conv_decode(m, l, *caches[i], bcx.data() + i * 3 * H, 1, att.data() + i * H);
      layer_tail(m, l, n, att.data(), x.data(), x2.data(), xn.data(), g.data(), u.data(), h.data());
      continue;
    }
    m.qkv_forward(ly, xn.data(), q.data(), k.data(), v.data(), n, {}, nullptr);
    m.qk_norm_forward(ly, q.data(), k.data(), n, nullptr);
    if (m.rotates(l)) {
      // Each row is its own sequence: longrope's table by the row's position (long_rows), as decoding it alone would.
      rope_forward(m.pool, q.data(), pos.data(), m.rope_freqs(l, false), n, m.nh, m.hd, m.rope_dim, m.q_rope_scale_of(l), m.cfg.rope_interleaved, m.long_rows(l),
                   m.q_temperature);
      rope_forward(m.pool, k.data(), pos.data(), m.rope_freqs(l, false), n, m.nkv, m.hd, m.rope_dim, m.k_rope_scale_of(l), m.cfg.rope_interleaved, m.long_rows(l));
    }
    for (int i = 0; i < n; ++i) {
      KVCache& c = *caches[i];
      float* kl = c.k.data() + int64_t(m.cache_index[l]) * c.max_len * kvd;
      float* vl = c.v.data() + int64_t(m.cache_index[l]) * c.max_len * kvd;
      std::copy_n(k.data() + i * kvd, kvd, kl + int64_t(c.len) * kvd);
      std::copy_n(v.data() + i * kvd, kvd, vl + int64_t(c.len) * kvd);
      AttnShape s{1, 1, c.len + 1, m.nh, m.nkv, m.hd, c.len, m.attn_softcap()};
      attention_forward(m.pool, s, q.data() + i * qd, kl, vl, m.decode_starts(l, c.len, 1, starts), nullptr,
                        att.data() + i * qd);
    }
    layer_tail(m, l, n, att.data(), x.data(), x2.data(), xn.data(), g.data(), u.data(), h.data());
  }
  for (int i = 0; i < n; ++i) caches[i]->len += 1;
  rmsnorm_forward(m.pool, x.data(), m.final_norm.data(), xn.data(), nullptr, n, H, eps);
  linear_forward(m.pool, xn.data(), m.lm_head.dense(), nullptr, logits, n, H, m.V);
  softcap_logits(m.pool, logits, int64_t(n) * m.V, m.logit_softcap());
}

}  // namespace tf
