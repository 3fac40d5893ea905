#pragma once
// LFM2's tiny model (Lfm2ForCausalLM) and its reference forward, in double with straight loops as transformers'
// Lfm2DecoderLayer computes it: x += operator(operator_norm(x)); x += w2(silu(w1(n)) · w3(n)), n = ffn_norm(x).
// The operator is, on even layers, Lfm2ShortConv: B, C, x' = in_proj(n1) in thirds, y = C · conv(B · x') with each
// channel's 3 weights over the current and two previous positions of its segment, then out_proj(y); on odd layers
// Lfm2Attention: q_layernorm / k_layernorm over each head, RoPE, attention within segments, out_proj.
#include <cmath>
#include <string>
#include <vector>

#include "test_model_ref.h"

namespace tf_test {

inline constexpr int kTinyConvKernel = 3;
inline bool tiny_lfm2_conv(int l) { return l % 2 == 0; }
inline std::string tiny_lfm2_layer(int l) { return "model.layers." + std::to_string(l); }

inline TinyModel write_tiny_lfm2(const std::string& dir, const TinySpec& s, uint64_t seed) {
  TF_CHECK(s.H == s.nh * s.hd, "tiny LFM2: head_dim is hidden_size / num_attention_heads (no head_dim key)");
  TF_CHECK(!s.bias && !s.qk_norm && !s.gemma && !s.gemma2 && !s.phi3 && !s.granite && !s.smollm3 && !s.olmo2 &&
               !s.exaone4 && !s.glm4 && !s.ministral3 && !s.window_all && !s.yarn && !s.llama3 && !s.longrope,
           "tiny models: LFM2 is its own layer");
  TinyModel m;
  m.s = s;
  tf::Rng rng(seed);
  std::vector<std::string> linears;
  auto add = [&](const std::string& name, std::vector<int64_t> shp, float lo, float hi) {
    int64_t n = 1;
    for (auto d : shp) n *= d;
    std::vector<float> v(n);
    for (auto& x : v) x = rng.uniform(lo, hi);
    if (s.dtype == tf::DType::BF16)
      for (auto& x : v) x = tf::bf16_to_f32(tf::f32_to_bf16(x));
    m.w[name] = v;
    m.shape[name] = shp;
  };
  auto add_linear = [&](const std::string& mod, int64_t out, int64_t in) {
    const float b = 1.5f / std::sqrt(float(in));
    add(mod + ".weight", {out, in}, -b, b);
    linears.push_back(mod);
  };
  const int64_t qd = int64_t(s.nh) * s.hd, kvd = int64_t(s.nkv) * s.hd;
  add("model.embed_tokens.weight", {s.V, s.H}, -1.f, 1.f);
  std::string kinds;
  for (int l = 0; l < s.L; ++l) {
    const std::string p = tiny_lfm2_layer(l);
    add(p + ".operator_norm.weight", {s.H}, 0.8f, 1.2f);
    add(p + ".ffn_norm.weight", {s.H}, 0.8f, 1.2f);
    if (tiny_lfm2_conv(l)) {
      add_linear(p + ".conv.in_proj", 3 * s.H, s.H);
      add_linear(p + ".conv.out_proj", s.H, s.H);
      add(p + ".conv.conv.weight", {s.H, 1, kTinyConvKernel}, -0.8f, 0.8f);
    } else {
      add_linear(p + ".self_attn.q_proj", qd, s.H);
      add_linear(p + ".self_attn.k_proj", kvd, s.H);
      add_linear(p + ".self_attn.v_proj", kvd, s.H);
      add_linear(p + ".self_attn.out_proj", s.H, qd);
      add(p + ".self_attn.q_layernorm.weight", {s.hd}, 0.5f, 1.5f);
      add(p + ".self_attn.k_layernorm.weight", {s.hd}, 0.5f, 1.5f);
    }
    add_linear(p + ".feed_forward.w1", s.I, s.H);
    add_linear(p + ".feed_forward.w3", s.I, s.H);
    add_linear(p + ".feed_forward.w2", s.H, s.I);
    kinds += std::string(l ? ", " : "") + (tiny_lfm2_conv(l) ? "\"conv\"" : "\"full_attention\"");
  }
  add("model.embedding_norm.weight", {s.H}, 0.8f, 1.2f);
  if (!s.tie) add("lm_head.weight", {s.V, s.H}, -0.5f, 0.5f);
  std::vector<tf::TensorToWrite> out;
  for (auto& [name, v] : m.w) out.push_back({name, s.dtype, m.shape[name], v.data()});
  tf::write_safetensors(dir + "/model.safetensors", out, {{"format", "pt"}});
  // The original checkpoints' keys: block_ff_dim (two thirds of it, rounded up to block_multiple_of, is the MLP's
  // width), norm_eps, theta, tie_embedding.
  TF_CHECK(s.I % 16 == 0, "tiny LFM2: intermediate size a multiple of 16");
  const std::string cfg = std::string("{\"architectures\": [\"Lfm2ForCausalLM\"], \"model_type\": \"lfm2\"") +
                          ", \"vocab_size\": " + std::to_string(s.V) + ", \"hidden_size\": " + std::to_string(s.H) +
                          ", \"block_ff_dim\": " + std::to_string(s.I * 3 / 2) + ", \"block_multiple_of\": 16" +
                          ", \"block_auto_adjust_ff_dim\": true, \"block_ffn_dim_multiplier\": 1.0" +
                          ", \"num_hidden_layers\": " + std::to_string(s.L) + ", \"num_attention_heads\": " +
                          std::to_string(s.nh) + ", \"num_key_value_heads\": " + std::to_string(s.nkv) +
                          ", \"max_position_embeddings\": " + std::to_string(s.max_pos) + ", \"norm_eps\": 1e-05" +
                          ", \"theta\": " + std::to_string(s.theta) + ", \"tie_embedding\": " + (s.tie ? "true" : "false") +
                          ", \"conv_L_cache\": " + std::to_string(kTinyConvKernel) + ", \"conv_bias\": false" +
                          ", \"layer_types\": [" + kinds + "], \"torch_dtype\": \"float32\", \"bos_token_id\": 1" +
                          ", \"eos_token_id\": 2, \"pad_token_id\": 0}";
  write_file(dir + "/config.json", cfg);
  if (s.nf4)
    for (const std::string& mod : linears) {
      auto& v = m.w[mod + ".weight"];
      const auto& shp = m.shape[mod + ".weight"];
      v = tf::nf4_dequantize(tf::nf4_quantize(v.data(), shp[0], shp[1], s.double_quant));
    }
  return m;
}

inline std::vector<double> ref_logits_lfm2(const TinyModel& m, const RefLora* lora, const std::vector<int32_t>& tokens,
                                           int B, int T, const std::vector<int32_t>& positions,
                                           const std::vector<int32_t>& segments) {
  const TinySpec& s = m.s;
  const int H = s.H, qd = s.nh * s.hd, kvd = s.nkv * s.hd, K = kTinyConvKernel;
  auto W = [&](const std::string& n) -> const std::vector<float>& { return m.w.at(n); };
  auto lin = [&](const std::vector<double>& x, int n, int in, const std::string& mod, int out) {
    return ref_linear(m.w, lora, x, n, in, mod, out);
  };
  auto norm = [&](const std::vector<double>& x, int n, int C, const std::string& w) {
    return ref_rmsnorm_rows(x, n, C, W(w), s.eps);
  };
  auto rope = [&](std::vector<double>& x, int n, int heads, const std::vector<int32_t>& pos) {
    for (int i = 0; i < n; ++i)
      for (int h = 0; h < heads; ++h)
        for (int j = 0; j < s.hd / 2; ++j) {
          const double f = pos[i] * std::pow(s.theta, -2.0 * j / s.hd);
          double& a = x[(size_t(i) * heads + h) * s.hd + j];
          double& b = x[(size_t(i) * heads + h) * s.hd + j + s.hd / 2];
          const double a0 = a, b0 = b;
          a = a0 * std::cos(f) - b0 * std::sin(f);
          b = b0 * std::cos(f) + a0 * std::sin(f);
        }
  };
  std::vector<double> logits;
  for (int b = 0; b < B; ++b) {
    const int n = T;
    std::vector<int32_t> pos(n), seg(n);
    for (int i = 0; i < n; ++i) {
      pos[i] = positions.empty() ? i : positions[b * T + i];
      seg[i] = segments.empty() ? 0 : segments[b * T + i];
    }
    std::vector<double> x(size_t(n) * H);
    for (int i = 0; i < n; ++i)
      for (int c = 0; c < H; ++c) x[size_t(i) * H + c] = W("model.embed_tokens.weight")[size_t(tokens[b * T + i]) * H + c];
    for (int l = 0; l < s.L; ++l) {
      const std::string p = tiny_lfm2_layer(l);
      const auto xn = norm(x, n, H, p + ".operator_norm.weight");
      std::vector<double> o;
      if (tiny_lfm2_conv(l)) {
        // Lfm2ShortConv.slow_forward: BCx = in_proj(x)ᵀ; B, C, x = BCx.chunk(3); conv1d(B·x) with K − 1 zeros of
        // padding before (a segment's start here), y = C · conv.
        const auto bcx = lin(xn, n, H, p + ".conv.in_proj", 3 * H);
        const auto& w = W(p + ".conv.conv.weight");
        std::vector<double> y(size_t(n) * H, 0.0);
        for (int t = 0; t < n; ++t)
          for (int c = 0; c < H; ++c) {
            double acc = 0;
            for (int j = 0; j < K; ++j) {
              const int src = t - (K - 1) + j;
              bool same = src >= 0;  // the source is in t's segment: no label change between them
              for (int u = src + 1; same && u <= t; ++u) same = seg[u] == seg[u - 1];
              if (same) acc += w[c * K + j] * bcx[size_t(src) * 3 * H + c] * bcx[size_t(src) * 3 * H + 2 * H + c];
            }
            y[size_t(t) * H + c] = bcx[size_t(t) * 3 * H + H + c] * acc;
          }
        o = lin(y, n, H, p + ".conv.out_proj", H);
      } else {
        auto q = lin(xn, n, H, p + ".self_attn.q_proj", qd), k = lin(xn, n, H, p + ".self_attn.k_proj", kvd);
        const auto v = lin(xn, n, H, p + ".self_attn.v_proj", kvd);
        q = norm(q, n * s.nh, s.hd, p + ".self_attn.q_layernorm.weight");
        k = norm(k, n * s.nkv, s.hd, p + ".self_attn.k_layernorm.weight");
        rope(q, n, s.nh, pos), rope(k, n, s.nkv, pos);
        const auto att = ref_attention({s.nh, s.nkv, s.hd}, q, k, v, seg, 1 / std::sqrt(double(s.hd)), 0, 0);
        o = lin(att, n, qd, p + ".self_attn.out_proj", H);
      }
      for (size_t i = 0; i < x.size(); ++i) x[i] += o[i];
      const auto xn2 = norm(x, n, H, p + ".ffn_norm.weight");
      auto g = lin(xn2, n, H, p + ".feed_forward.w1", s.I);
      const auto u = lin(xn2, n, H, p + ".feed_forward.w3", s.I);
      for (size_t i = 0; i < g.size(); ++i) g[i] = g[i] / (1 + std::exp(-g[i])) * u[i];
      const auto d = lin(g, n, s.I, p + ".feed_forward.w2", H);
      for (size_t i = 0; i < x.size(); ++i) x[i] += d[i];
    }
    const auto xf = norm(x, n, H, "model.embedding_norm.weight");
    const auto& head = W(s.tie ? "model.embed_tokens.weight" : "lm_head.weight");
    for (int i = 0; i < n; ++i)
      for (int vv = 0; vv < s.V; ++vv) {
        double a = 0;
        for (int c = 0; c < H; ++c) a += xf[size_t(i) * H + c] * head[size_t(vv) * H + c];
        logits.push_back(a);
      }
  }
  return logits;
}

}  // namespace tf_test
