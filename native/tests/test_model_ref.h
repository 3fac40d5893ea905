#pragma once
// Tiny Llama-family models for the model tests: seeded random weights written as a real HF folder
// (config.json + model.safetensors), and an independent reference forward pass in double precision with
// straight loops (no kernels from src/kernels), used for logits, losses and finite-difference gradients.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "common/rng.h"
#include "harness.h"
#include "io/safetensors.h"
#include "quant/nf4.h"
#include "test_model_ref_ops.h"

namespace tf_test {

struct TinySpec {
  int V = 37, H = 32, I = 48, L = 2, nh = 4, nkv = 2, hd = 8, max_pos = 64;
  bool tie = false, bias = false, llama3 = false, nf4 = false, double_quant = false;
  bool qk_norm = false;  // a Qwen3ForCausalLM: per-head q_norm / k_norm (no biases)
  // A Gemma3ForCausalLM: (1 + w) norms stored as w, q/k norms, sandwich norms, GELU, a scaled embedding, sliding
  // windows of `window` keys on the layers the pattern marks, their own RoPE base, scores scaled by qpas^-0.5.
  bool gemma = false;
  // A Gemma2ForCausalLM: Gemma 3's layer without q/k norms, one RoPE base, every second layer sliding (pattern 2), the
  // scaled scores soft-capped at attn_cap and the logits at logit_cap (low, so that the caps bend the tiny model's
  // values: left out, the logits differ).
  bool gemma2 = false;
  double attn_cap = 1.5, logit_cap = 2.0;
  // A Phi3ForCausalLM: the file holds self_attn.qkv_proj ([q; k; v] rows) and mlp.gate_up_proj ([gate; up]), which the
  // reference applies as transformers' Phi3Attention and Phi3MLP do (one matmul, then the split).
  bool phi3 = false;
  // Phi-3 only: RoPE on the first `rotary` values of each head (partial_rotary_factor = rotary / hd; 0 = all), and
  // longrope: each frequency divided by short factor 1 + i/4 (by long factor 2 in a pass reaching position max_pos),
  // cos and sin scaled by sqrt(1 + ln 4 / ln max_pos) (the config says max_position_embeddings 4·max_pos over
  // original_max_position_embeddings max_pos).
  int rotary = 0;
  bool longrope = false;
  // yarn: factor 4 over original_max_position_embeddings max_pos (the config's max_position_embeddings 4·max_pos),
  // cos and sin scaled by 0.1·ln 4 + 1; with hd 8 and θ 10⁴ pair 0 keeps its frequency, pair 1 is halfway, 2 and 3
  // are divided by 4.
  bool yarn = false;
  // A GraniteForCausalLM: the embedding times 3, scores times 1/hd (not hd^-0.5), each sublayer's output times 0.5
  // before its residual add, the logits divided by 4 (as transformers' GraniteModel applies the four multipliers).
  bool granite = false;
  // Mistral's and Phi-3's window: every layer's query sees the last `window_all` keys (0 = none). A Llama with one is
  // written as a MistralForCausalLM; a Phi-3 keeps its architecture.
  int window_all = 0;
  // A SmolLM3ForCausalLM: RoPE on even layers only (no_rope_layers [1, 0, 1, 0, ...]: layer 1 of 2 is NoPE).
  bool smollm3 = false;
  // An Olmo2ForCausalLM: no input norms; post_attention_layernorm and post_feedforward_layernorm normalize each
  // sublayer's output before its residual add; q_norm [nh·hd] and k_norm [nkv·hd] normalize all of q and of k.
  bool olmo2 = false;
  // With olmo2: an Olmo3ForCausalLM, OLMo 2's layer with a window of `window` keys on the layers the pattern marks (as
  // Gemma 3's; listed in layer_types) and, with yarn, its scaling on the full-attention layers only: the sliding ones
  // rotate with rope_theta, unscaled.
  bool olmo3 = false;
  // An Exaone4ForCausalLM (EXAONE 4.0): OLMo 2's sublayers (output norms, no input norms) with per-head q/k norms, a
  // window of `window` keys on the layers the pattern marks (listed in layer_types), and RoPE on those only.
  bool exaone4 = false;
  // A Glm4ForCausalLM: q/k/v biases, mlp.gate_up_proj fused, post_self_attn_layernorm and post_mlp_layernorm after
  // each sublayer (plain weights), and RoPE on half of each head (partial_rotary_factor 0.5) in interleaved pairs.
  bool glm4 = false;
  // A Ministral3ForCausalLM (Ministral 3): Llama's layer with yarn (factor 4 over original_max_position_embeddings 4,
  // attention factor 1 from mscale / mscale_all_dim, as its checkpoints give) and each query after RoPE multiplied by
  // 1 + 0.5·ln(1 + floor(p / 4)): 1 on positions 0-3, 1 + 0.5·ln 2 on 4-7, so the tests' 7 to 9 tokens reach it.
  bool ministral3 = false;
  // An Lfm2ForCausalLM (LFM2; test_model_ref_lfm2.h): even layers are gated short convolutions over 3 positions, odd
  // ones Qwen3-like attention (per-head q/k norms), under LFM2's module names; its own layer, nothing else combines.
  bool lfm2 = false;
  int window = 4, pattern = 2;
  double qpas = 0;  // query_pre_attn_scalar; 0 = head_dim
  double local_theta = 1000.0;
  double theta = 10000.0, eps = 1e-5;
  tf::DType dtype = tf::DType::F32;
};

struct TinyModel {
  TinySpec s;
  std::map<std::string, std::vector<float>> w;  // what the reference uses (dequantized when s.nf4)
  std::map<std::string, std::vector<int64_t>> shape;
};

// LFM2's tiny model and reference (test_model_ref_lfm2.h, included at the end).
inline TinyModel write_tiny_lfm2(const std::string& dir, const TinySpec& s, uint64_t seed);
inline std::vector<double> ref_logits_lfm2(const TinyModel& m, const RefLora* lora, const std::vector<int32_t>& tokens,
                                           int B, int T, const std::vector<int32_t>& positions,
                                           const std::vector<int32_t>& segments);

inline const char* const kTinyProj[7] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
inline std::string tiny_module(int l, int p) {
  return "model.layers." + std::to_string(l) + (p < 4 ? ".self_attn." : ".mlp.") + kTinyProj[p];
}
inline std::string tiny_qkv(int l) { return "model.layers." + std::to_string(l) + ".self_attn.qkv_proj"; }
inline std::string tiny_gate_up(int l) { return "model.layers." + std::to_string(l) + ".mlp.gate_up_proj"; }
// The projection modules of layer l as the file names them.
inline std::vector<std::string> tiny_modules(const TinySpec& s, int l) {
  if (s.phi3) return {tiny_qkv(l), tiny_module(l, 3), tiny_gate_up(l), tiny_module(l, 6)};
  if (s.glm4) return {tiny_module(l, 0), tiny_module(l, 1), tiny_module(l, 2), tiny_module(l, 3), tiny_gate_up(l), tiny_module(l, 6)};
  std::vector<std::string> out;
  for (int p = 0; p < 7; ++p) out.push_back(tiny_module(l, p));
  return out;
}

// Writes the folder and returns the weights as the model will see them (bf16-rounded when dtype is BF16,
// NF4-dequantized for the projections when s.nf4).
inline TinyModel write_tiny_model(const std::string& dir, const TinySpec& s, uint64_t seed) {
  if (s.lfm2) return write_tiny_lfm2(dir, s, seed);
  TinyModel m;
  m.s = s;
  tf::Rng rng(seed);
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
  const int64_t qd = int64_t(s.nh) * s.hd, kvd = int64_t(s.nkv) * s.hd;
  add("model.embed_tokens.weight", {s.V, s.H}, -1.f, 1.f);
  const bool gemma_layer = s.gemma || s.gemma2;
  const float norm_shift = gemma_layer ? -1.f : 0.f;  // Gemma stores scale − 1
  for (int l = 0; l < s.L; ++l) {
    const std::string p = "model.layers." + std::to_string(l);
    if (!s.olmo2 && !s.exaone4) add(p + ".input_layernorm.weight", {s.H}, 0.8f + norm_shift, 1.2f + norm_shift);
    add(p + ".post_attention_layernorm.weight", {s.H}, 0.8f + norm_shift, 1.2f + norm_shift);
    if (s.olmo2 || s.exaone4) add(p + ".post_feedforward_layernorm.weight", {s.H}, 0.5f, 1.5f);
    if (s.olmo2) {
      add(p + ".self_attn.q_norm.weight", {int64_t(s.nh) * s.hd}, 0.5f, 1.5f);
      add(p + ".self_attn.k_norm.weight", {int64_t(s.nkv) * s.hd}, 0.5f, 1.5f);
    }
    if (s.glm4) {
      add(p + ".post_self_attn_layernorm.weight", {s.H}, 0.5f, 1.5f);
      add(p + ".post_mlp_layernorm.weight", {s.H}, 0.5f, 1.5f);
    }
    if (gemma_layer) {
      add(p + ".pre_feedforward_layernorm.weight", {s.H}, 0.8f + norm_shift, 1.2f + norm_shift);
      add(p + ".post_feedforward_layernorm.weight", {s.H}, 0.5f + norm_shift, 1.5f + norm_shift);
    }
    if (s.qk_norm || s.gemma || s.exaone4) {
      // Wider than the other norms, so that a norm applied to the wrong head or left out shows in the logits.
      add(p + ".self_attn.q_norm.weight", {s.hd}, 0.5f + norm_shift, 1.5f + norm_shift);
      add(p + ".self_attn.k_norm.weight", {s.hd}, 0.5f + norm_shift, 1.5f + norm_shift);
    }
    const int64_t shp[7][2] = {{qd, s.H}, {kvd, s.H}, {kvd, s.H}, {s.H, qd}, {s.I, s.H}, {s.I, s.H}, {s.H, s.I}};
    for (int j = 0; j < 7; ++j) {
      const float b = 1.5f / std::sqrt(float(shp[j][1]));
      add(tiny_module(l, j) + ".weight", {shp[j][0], shp[j][1]}, -b, b);
      if ((s.bias || s.glm4) && j < 3) add(tiny_module(l, j) + ".bias", {shp[j][0]}, -0.1f, 0.1f);
    }
    // The same random rows, stacked as Phi-3 stores them (qkv_proj, gate_up_proj) or GLM-4 (gate_up_proj).
    std::vector<std::pair<std::string, std::vector<int>>> fusions;
    if (s.phi3) fusions.push_back({tiny_qkv(l), {0, 1, 2}});
    if (s.phi3 || s.glm4) fusions.push_back({tiny_gate_up(l), {4, 5}});
    for (const auto& [fused, parts] : fusions) {
      std::vector<float>& w = m.w[fused + ".weight"];
      int64_t rows = 0;
      for (int j : parts) {
        const std::string name = tiny_module(l, j) + ".weight";
        w.insert(w.end(), m.w[name].begin(), m.w[name].end());
        rows += shp[j][0];
        m.w.erase(name), m.shape.erase(name);
      }
      m.shape[fused + ".weight"] = {rows, s.H};
    }
  }
  add("model.norm.weight", {s.H}, 0.8f + norm_shift, 1.2f + norm_shift);
  if (!s.tie) add("lm_head.weight", {s.V, s.H}, -0.5f, 0.5f);
  std::vector<tf::TensorToWrite> out;
  for (auto& [name, v] : m.w) out.push_back({name, s.dtype, m.shape[name], v.data()});
  tf::write_safetensors(dir + "/model.safetensors", out, {{"format", "pt"}});
  TF_CHECK(int(s.bias) + int(s.qk_norm) + int(s.gemma) + int(s.gemma2) + int(s.phi3) + int(s.granite) + int(s.glm4) <= 1,
           "tiny models: Qwen2 (bias), Qwen3 (qk_norm), Gemma 3, Gemma 2, Phi-3, Granite or GLM-4");
  TF_CHECK(!s.yarn || (!s.llama3 && !s.longrope), "tiny models: yarn is the only RoPE scaling");
  TF_CHECK(!s.olmo3 || s.olmo2, "tiny models: OLMo 3 is OLMo 2's layer (set olmo2 too)");
  TF_CHECK(!s.exaone4 || (!s.olmo2 && !s.qk_norm && !s.bias && !s.gemma && !s.gemma2 && !s.phi3 && !s.granite &&
                          !s.smollm3 && !s.glm4 && !s.window_all), "tiny models: EXAONE 4.0 is its own layer");
  TF_CHECK(!s.ministral3 || (!s.yarn && !s.llama3 && !s.bias && !s.qk_norm && !s.gemma && !s.gemma2 && !s.phi3 &&
                             !s.granite && !s.smollm3 && !s.olmo2 && !s.exaone4 && !s.glm4 && !s.window_all),
           "tiny models: Ministral 3 is Llama's layer with its own RoPE");
  TF_CHECK(!s.glm4 || (!s.smollm3 && !s.olmo2 && !s.window_all && !s.llama3), "tiny models: GLM-4 is its own layer");
  TF_CHECK(!s.gemma2 || (s.pattern == 2 && !s.smollm3 && !s.olmo2 && !s.window_all), "tiny models: Gemma 2 is its own layer");
  TF_CHECK(s.window_all == 0 || (!s.bias && !s.qk_norm && !s.gemma && !s.granite && !s.smollm3), "tiny models: window_all is Mistral's or Phi-3's");
  TF_CHECK(!s.smollm3 || (!s.bias && !s.qk_norm && !s.gemma && !s.granite && !s.phi3), "tiny models: SmolLM3 is Llama's layer");
  TF_CHECK(!s.olmo2 || (!s.bias && !s.qk_norm && !s.gemma && !s.granite && !s.phi3 && !s.smollm3 && !s.window_all),
           "tiny models: OLMo 2 is its own layer");
  const char* arch = s.glm4 ? "Glm4ForCausalLM" : s.bias ? "Qwen2ForCausalLM" : s.qk_norm ? "Qwen3ForCausalLM" : s.gemma ? "Gemma3ForCausalLM"
                   : s.gemma2 ? "Gemma2ForCausalLM"
                   : s.phi3 ? "Phi3ForCausalLM" : s.granite ? "GraniteForCausalLM"
                   : s.window_all ? "MistralForCausalLM" : s.smollm3 ? "SmolLM3ForCausalLM"
                   : s.olmo3 ? "Olmo3ForCausalLM" : s.olmo2 ? "Olmo2ForCausalLM" : s.exaone4 ? "Exaone4ForCausalLM"
                   : s.ministral3 ? "Ministral3ForCausalLM" : "LlamaForCausalLM";
  const char* type = s.glm4 ? "glm4" : s.bias ? "qwen2" : s.qk_norm ? "qwen3" : s.gemma ? "gemma3_text" : s.gemma2 ? "gemma2" : s.phi3 ? "phi3"
                   : s.granite ? "granite" : s.window_all ? "mistral" : s.smollm3 ? "smollm3" : s.olmo3 ? "olmo3" : s.olmo2 ? "olmo2" : s.exaone4 ? "exaone4"
                   : s.ministral3 ? "ministral3" : "llama";
  std::string cfg = std::string("{\"architectures\": [\"") + arch + "\"], \"model_type\": \"" + type + "\"" +
                    ", \"vocab_size\": " + std::to_string(s.V) + ", \"hidden_size\": " + std::to_string(s.H) +
                    ", \"intermediate_size\": " + std::to_string(s.I) + ", \"num_hidden_layers\": " +
                    std::to_string(s.L) + ", \"num_attention_heads\": " + std::to_string(s.nh) +
                    ", \"num_key_value_heads\": " + std::to_string(s.nkv) + ", \"head_dim\": " + std::to_string(s.hd) +
                    ", \"max_position_embeddings\": " + std::to_string((s.phi3 && s.longrope) || s.yarn ? 4 * s.max_pos : s.max_pos) +
                    ", \"rms_norm_eps\": 1e-05" +
                    ", \"rope_theta\": " + std::to_string(s.theta) + ", \"tie_word_embeddings\": " +
                    (s.tie ? "true" : "false") + ", \"torch_dtype\": \"float32\", \"bos_token_id\": 1" +
                    ", \"eos_token_id\": 2";
  if (s.llama3)
    cfg += ", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, "
           "\"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 16}";
  if (s.yarn)
    cfg += ", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0, \"original_max_position_embeddings\": " +
           std::to_string(s.max_pos) + "}";
  if (s.ministral3)  // transformers 5.x's form: rope_theta inside rope_parameters (the top-level one agrees)
    cfg += ", \"rope_parameters\": {\"rope_type\": \"yarn\", \"rope_theta\": " + std::to_string(s.theta) +
           ", \"factor\": 4.0, \"original_max_position_embeddings\": 4, \"mscale\": 1.0, \"mscale_all_dim\": 1.0, "
           "\"beta_fast\": 32.0, \"beta_slow\": 1.0, \"llama_4_scaling_beta\": 0.5}, \"sliding_window\": null";
  if (s.phi3 && s.rotary > 0) cfg += ", \"partial_rotary_factor\": " + std::to_string(double(s.rotary) / s.hd);
  if (s.phi3 && s.longrope) {
    const int dim = s.rotary > 0 ? s.rotary : s.hd;
    std::string shorts, longs;
    for (int i = 0; i < dim / 2; ++i)
      shorts += (i ? ", " : "") + std::to_string(1 + 0.25 * i), longs += (i ? ", " : "") + std::string("2.0");
    cfg += ", \"original_max_position_embeddings\": " + std::to_string(s.max_pos) +
           ", \"rope_scaling\": {\"type\": \"longrope\", \"short_factor\": [" + shorts + "], \"long_factor\": [" + longs + "]}";
  }
  if (s.gemma)
    cfg += ", \"hidden_activation\": \"gelu_pytorch_tanh\", \"sliding_window\": " + std::to_string(s.window) +
           ", \"sliding_window_pattern\": " + std::to_string(s.pattern) + ", \"rope_local_base_freq\": " +
           std::to_string(s.local_theta) + ", \"query_pre_attn_scalar\": " + std::to_string(s.qpas > 0 ? s.qpas : s.hd) +
           ", \"final_logit_softcapping\": null, \"attn_logit_softcapping\": null";
  if (s.gemma2)
    cfg += ", \"hidden_activation\": \"gelu_pytorch_tanh\", \"sliding_window\": " + std::to_string(s.window) +
           ", \"query_pre_attn_scalar\": " + std::to_string(s.qpas > 0 ? s.qpas : s.hd) +
           ", \"attn_logit_softcapping\": " + std::to_string(s.attn_cap) +
           ", \"final_logit_softcapping\": " + std::to_string(s.logit_cap);
  if (s.window_all) cfg += ", \"sliding_window\": " + std::to_string(s.window_all);
  if (s.olmo3 || s.exaone4) {
    std::string kinds;
    for (int l = 0; l < s.L; ++l) kinds += std::string(l ? ", " : "") + ((l + 1) % s.pattern ? "\"sliding_attention\"" : "\"full_attention\"");
    cfg += ", \"sliding_window\": " + std::to_string(s.window) + ", \"layer_types\": [" + kinds + "]";
  }
  if (s.glm4) cfg += ", \"attention_bias\": true, \"partial_rotary_factor\": 0.5, \"attention_dropout\": 0.0";
  if (s.smollm3) {
    std::string flags;
    for (int l = 0; l < s.L; ++l) flags += (l ? ", " : "") + std::to_string(1 - l % 2);
    cfg += ", \"no_rope_layers\": [" + flags + "], \"use_sliding_window\": false";
  }
  if (s.granite)
    cfg += ", \"embedding_multiplier\": 3.0, \"attention_multiplier\": " + std::to_string(1.0 / s.hd) +
           ", \"residual_multiplier\": 0.5, \"logits_scaling\": 4.0";
  write_file(dir + "/config.json", cfg + "}");
  if (s.nf4)
    for (int l = 0; l < s.L; ++l)
      for (const std::string& mod : tiny_modules(s, l)) {
        auto& v = m.w[mod + ".weight"];
        const auto& shp = m.shape[mod + ".weight"];
        v = tf::nf4_dequantize(tf::nf4_quantize(v.data(), shp[0], shp[1], s.double_quant));
      }
  return m;
}

// Reference forward of B rows of T tokens → logits [B*T, V] in double. Positions and segments as in tf::Batch.
inline std::vector<double> ref_logits(const TinyModel& m, const RefLora* lora, const std::vector<int32_t>& tokens,
                                      int B, int T, const std::vector<int32_t>& positions,
                                      const std::vector<int32_t>& segments) {
  if (m.s.lfm2) return ref_logits_lfm2(m, lora, tokens, B, T, positions, segments);
  const TinySpec& s = m.s;
  const int H = s.H, qd = s.nh * s.hd, kvd = s.nkv * s.hd;
  const bool gemma_layer = s.gemma || s.gemma2;  // what Gemma 2 and Gemma 3 share
  auto W = [&](const std::string& n) -> const std::vector<float>& { return m.w.at(n); };
  auto lin = [&](const std::vector<double>& x, int n, int in, const std::string& mod, int out) {
    return ref_linear(m.w, lora, x, n, in, mod, out);
  };
  auto norm_rows = [&](const std::vector<double>& x, int n, int C, const std::vector<float>& w) {
    return ref_rmsnorm_rows(x, n, C, w, s.eps, gemma_layer);  // Gemma2RMSNorm and Gemma3RMSNorm scale by (1 + w)
  };
  auto norm = [&](const std::vector<double>& x, int n, const std::vector<float>& w) { return norm_rows(x, n, H, w); };
  // Phi-3: the rotated dimensions (partial rotary), longrope's short factors and its cos/sin scale.
  // GLM-4: half of each head, in interleaved pairs (2j, 2j + 1) rather than (j, j + rdim/2).
  const int rdim = s.phi3 && s.rotary > 0 ? s.rotary : s.glm4 ? s.hd / 2 : s.hd;
  const double rscale = s.phi3 && s.longrope ? std::sqrt(1 + std::log(4.0) / std::log(double(s.max_pos)))
                       : s.yarn ? 0.1 * std::log(4.0) + 1 : 1.0;  // Ministral 3's mscale ratio: 1
  // yarn's correction range in pair indices: where a frequency turns 32 times, then once, over the original context
  // (max_pos; Ministral 3's 4).
  const bool yarn = s.yarn || s.ministral3;
  const double yarn_original = s.ministral3 ? 4.0 : double(s.max_pos);
  auto yarn_turns_at = [&](double turns) { return rdim * std::log(yarn_original / (turns * 2 * M_PI)) / (2 * std::log(s.theta)); };
  const double yarn_low = std::max(std::floor(yarn_turns_at(32)), 0.0);
  double yarn_high = std::min(std::ceil(yarn_turns_at(1)), double(rdim - 1));
  if (yarn_high == yarn_low) yarn_high += 0.001;  // transformers' guard against a zero-width ramp
  // longrope: the long factors (2) for the whole pass when a position reaches original_max_position_embeddings
  // (max_pos), as transformers' Phi3RotaryEmbedding switches (max(position_ids) + 1 > original); the short ones else.
  const int32_t max_position = positions.empty() ? T - 1 : *std::max_element(positions.begin(), positions.end());
  const bool long_pass = s.phi3 && s.longrope && max_position >= s.max_pos;
  std::vector<double> inv(rdim / 2), inv_local(s.hd / 2);
  // The sliding layers' own RoPE: Gemma's base, or OLMo 3's rope_theta without its scaling.
  for (int i = 0; i < s.hd / 2; ++i) inv_local[i] = std::pow(s.olmo3 ? s.theta : s.local_theta, -2.0 * i / s.hd);
  for (int i = 0; i < rdim / 2; ++i) {
    double f = std::pow(s.theta, -2.0 * i / rdim);
    if (s.phi3 && s.longrope) f /= long_pass ? 2.0 : 1 + 0.25 * i;
    if (yarn) {
      const double ramp = std::clamp((i - yarn_low) / (yarn_high - yarn_low), 0.0, 1.0);
      f = f / 4 * ramp + f * (1 - ramp);
    }
    if (s.llama3) {  // factor 8, low 1, high 4, original 16 (see write_tiny_model)
      const double wl = 2 * M_PI / f;
      if (wl > 16.0) f /= 8;
      else if (wl >= 4.0) {
        const double sm = (16.0 / wl - 1) / 3;
        f = (1 - sm) * f / 8 + sm * f;
      }
    }
    inv[i] = f;
  }
  // Gemma3TextConfig: layer l is a sliding one unless (l + 1) is a multiple of the pattern (Gemma2Config: 2; the
  // tiny OLMo 3's layer_types likewise).
  auto sliding = [&](int l) { return ((gemma_layer || s.olmo3 || s.exaone4) && (l + 1) % s.pattern != 0) || s.window_all > 0; };
  const int window = gemma_layer || s.olmo3 || s.exaone4 ? s.window : s.window_all;
  auto rope = [&](std::vector<double>& x, int n, int heads, const std::vector<int32_t>& pos, bool local) {
    const std::vector<double>& inv_l = local ? inv_local : inv;
    const int h2 = local ? s.hd / 2 : rdim / 2;  // Phi3's apply_rotary_pos_emb: q[..., :rdim] rotated, the rest kept
    for (int i = 0; i < n; ++i)
      for (int h = 0; h < heads; ++h) {
        double* v = &x[(size_t(i) * heads + h) * s.hd];
        for (int j = 0; j < h2; ++j) {
          const double sc = local ? 1.0 : rscale;  // the own RoPE of sliding layers is never scaled
          const double c = sc * std::cos(pos[i] * inv_l[j]), sn = sc * std::sin(pos[i] * inv_l[j]);
          double& a = s.glm4 ? v[2 * j] : v[j];
          double& b = s.glm4 ? v[2 * j + 1] : v[j + h2];
          const double a0 = a, b0 = b;
          a = a0 * c - b0 * sn;
          b = b0 * c + a0 * sn;
        }
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
    if (gemma_layer)  // the embedding times sqrt(hidden) in the weights' dtype (fp32 here)
      for (auto& e : x) e *= double(std::sqrt(float(H)));
    // Granite's multipliers (see TinySpec::granite); 1 elsewhere.
    const double residual = s.granite ? 0.5 : 1.0;
    if (s.granite)
      for (auto& e : x) e *= 3.0;
    for (int l = 0; l < s.L; ++l) {
      const std::string p = "model.layers." + std::to_string(l);
      // Olmo2DecoderLayer (Exaone4DecoderLayer is one): no input norm
      auto xn = s.olmo2 || s.exaone4 ? x : norm(x, n, W(p + ".input_layernorm.weight"));
      std::vector<double> q, k, v;
      if (s.phi3) {  // Phi3Attention: qkv = qkv_proj(x); q, k, v = its first qd, next kvd and last kvd columns
        const auto qkv = lin(xn, n, H, tiny_qkv(l), qd + 2 * kvd);
        for (int i = 0; i < n; ++i) {
          const double* row = &qkv[size_t(i) * (qd + 2 * kvd)];
          q.insert(q.end(), row, row + qd), k.insert(k.end(), row + qd, row + qd + kvd);
          v.insert(v.end(), row + qd + kvd, row + qd + 2 * kvd);
        }
      } else {
        q = lin(xn, n, H, tiny_module(l, 0), qd), k = lin(xn, n, H, tiny_module(l, 1), kvd);
        v = lin(xn, n, H, tiny_module(l, 2), kvd);
      }
      if (s.qk_norm || s.gemma || s.exaone4) {  // Qwen3Attention: q_norm(q_proj(x).view(..., head_dim)), k's, then RoPE
        q = norm_rows(q, n * s.nh, s.hd, W(p + ".self_attn.q_norm.weight"));
        k = norm_rows(k, n * s.nkv, s.hd, W(p + ".self_attn.k_norm.weight"));
      }
      if (s.olmo2) {  // Olmo2Attention: q_norm(q_proj(x)) over all nh·hd values, k_norm likewise, then RoPE
        q = norm_rows(q, n, qd, W(p + ".self_attn.q_norm.weight"));
        k = norm_rows(k, n, kvd, W(p + ".self_attn.k_norm.weight"));
      }
      // SmolLM3Attention: no RoPE where no_rope_layers says 0; Exaone4Attention: none on the full-attention layers.
      if (!(s.smollm3 && l % 2 == 1) && !(s.exaone4 && !sliding(l))) {
        // Gemma 3's and OLMo 3's sliding layers have their own RoPE, unscaled.
        rope(q, n, s.nh, pos, (s.gemma || s.olmo3) && sliding(l));
        rope(k, n, s.nkv, pos, (s.gemma || s.olmo3) && sliding(l));
      }
      if (s.ministral3)  // Ministral3Attention: query_states * (1 + beta·log(1 + floor(cache_position / original)))
        for (int i = 0; i < n; ++i)
          for (int c = 0; c < qd; ++c) q[size_t(i) * qd + c] *= 1 + 0.5 * std::log(1 + std::floor(pos[i] / 4.0));
      const double score_scale = s.granite ? 1.0 / s.hd : 1 / std::sqrt(gemma_layer && s.qpas > 0 ? s.qpas : double(s.hd));
      const auto att = ref_attention({s.nh, s.nkv, s.hd}, q, k, v, seg, score_scale, sliding(l) ? window : 0, s.gemma2 ? s.attn_cap : 0);
      auto o = lin(att, n, qd, tiny_module(l, 3), H);
      if (gemma_layer || s.olmo2 || s.exaone4) o = norm(o, n, W(p + ".post_attention_layernorm.weight"));
      if (s.glm4) o = norm(o, n, W(p + ".post_self_attn_layernorm.weight"));  // Glm4DecoderLayer's output norms
      for (size_t i = 0; i < x.size(); ++i) x[i] += residual * o[i];
      auto xn2 = s.olmo2 || s.exaone4 ? x : norm(x, n, W(p + (gemma_layer ? ".pre_feedforward_layernorm.weight" : ".post_attention_layernorm.weight")));
      std::vector<double> gt, up;
      if (s.phi3 || s.glm4) {  // Phi3MLP, Glm4MLP: gate, up = gate_up_proj(x).chunk(2, dim=-1)
        const auto gu = lin(xn2, n, H, tiny_gate_up(l), 2 * s.I);
        for (int i = 0; i < n; ++i) {
          const double* row = &gu[size_t(i) * 2 * s.I];
          gt.insert(gt.end(), row, row + s.I), up.insert(up.end(), row + s.I, row + 2 * s.I);
        }
      } else {
        gt = lin(xn2, n, H, tiny_module(l, 4), s.I), up = lin(xn2, n, H, tiny_module(l, 5), s.I);
      }
      for (size_t i = 0; i < gt.size(); ++i) {
        const double g = gt[i];
        gt[i] = (gemma_layer ? 0.5 * g * (1 + std::tanh(std::sqrt(2 / M_PI) * (g + 0.044715 * g * g * g)))
                         : g / (1 + std::exp(-g))) * up[i];
      }
      auto d = lin(gt, n, s.I, tiny_module(l, 6), H);
      if (gemma_layer || s.olmo2 || s.exaone4) d = norm(d, n, W(p + ".post_feedforward_layernorm.weight"));
      if (s.glm4) d = norm(d, n, W(p + ".post_mlp_layernorm.weight"));
      for (size_t i = 0; i < x.size(); ++i) x[i] += residual * d[i];
    }
    auto xf = norm(x, n, W("model.norm.weight"));
    const auto& head = W(s.tie ? "model.embed_tokens.weight" : "lm_head.weight");
    for (int i = 0; i < n; ++i)
      for (int vv = 0; vv < s.V; ++vv) {
        double a = 0;
        for (int c = 0; c < H; ++c) a += xf[size_t(i) * H + c] * head[size_t(vv) * H + c];
        if (s.gemma2) a = s.logit_cap * std::tanh(a / s.logit_cap);  // Gemma 2's final soft cap
        logits.push_back(s.granite ? a / 4.0 : a);  // Granite's logits_scaling
      }
  }
  return logits;
}

// Σ over targets != -1 of −log softmax(logits)[target].
inline double ref_loss(const std::vector<double>& logits, const std::vector<int32_t>& targets, int V) {
  double sum = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    if (targets[i] < 0) continue;
    double mx = -INFINITY, s = 0;
    for (int v = 0; v < V; ++v) mx = std::max(mx, logits[i * V + v]);
    for (int v = 0; v < V; ++v) s += std::exp(logits[i * V + v] - mx);
    sum += mx + std::log(s) - logits[i * V + targets[i]];
  }
  return sum;
}

}  // namespace tf_test

#include "test_model_ref_lfm2.h"
