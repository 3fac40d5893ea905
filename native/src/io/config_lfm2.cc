// Liquid AI's LFM2 (Lfm2ForCausalLM: LFM2-350M, 700M, 1.2B, 2.6B), as transformers' Lfm2Config reads it. Its layers
// are of two kinds, listed in layer_types (or by full_attn_idxs): "full_attention", Qwen3's attention (per-head q/k
// norms before RoPE) under other module names, and "conv", a gated short convolution over the sequence in its place.
// Both have Llama's SwiGLU MLP (feed_forward.w1 / w3 / w2). The config's own keys (block_ff_dim, norm_eps, theta,
// tie_embedding, ...) are turned into the Llama keys parse_model_config reads, then the LFM2 fields are set.
#include <cmath>

#include "common/error.h"
#include "io/config_read.h"

namespace tf::config_read {

namespace {

// Lfm2MLP's width: with block_auto_adjust_ff_dim (the default) two thirds of the given one, times
// block_ffn_dim_multiplier and rounded up to a multiple of block_multiple_of when a multiplier is given.
int64_t lfm2_ff_dim(const Json& j, const std::string& src) {
  // Lfm2Config: intermediate_size = kwargs.get("block_ff_dim", intermediate_size), the original checkpoints' key.
  const char* key = present(j, "block_ff_dim") ? "block_ff_dim" : "intermediate_size";
  double ff = get_int(j, key, 12288, src);
  TF_CHECK(ff > 0, src + ": " + key + " must be positive");
  const Json* adjust = present(j, "block_auto_adjust_ff_dim");
  if (adjust && !adjust->as_bool(src + ": block_auto_adjust_ff_dim")) return int64_t(ff);
  ff = std::floor(2 * ff / 3);
  const Json* mult = j.find("block_ffn_dim_multiplier");
  // Absent means the default 1.0; an explicit null skips the multiplier and its rounding, as transformers does.
  if (mult && mult->is_null()) return int64_t(ff);
  ff = std::floor(get_double(j, "block_ffn_dim_multiplier", 1.0, src) * ff);
  const int64_t of = get_int(j, "block_multiple_of", 256, src);
  TF_CHECK(of > 0, src + ": block_multiple_of must be positive");
  return of * ((int64_t(ff) + of - 1) / of);
}

// Which layers convolve: layer_types ("conv" / "full_attention"), else full_attn_idxs (default: every layer attends).
std::vector<char> lfm2_conv_layers(const Json& j, const std::string& src, int layers) {
  std::vector<char> conv(layers, 0);
  if (const Json* lt = present(j, "layer_types")) {
    const auto& list = lt->as_array(src + ": layer_types");
    TF_CHECK(int(list.size()) == layers, src + ": layer_types lists " + std::to_string(list.size()) +
                                             " layers, num_hidden_layers is " + std::to_string(layers));
    for (int l = 0; l < layers; ++l) {
      const std::string& kind = list[l].as_string(src + ": layer_types[" + std::to_string(l) + "]");
      TF_CHECK(kind == "conv" || kind == "full_attention",
               src + ": layer_types[" + std::to_string(l) + "] is \"" + kind + "\" (LFM2's are conv and full_attention)");
      conv[l] = kind == "conv";
    }
    return conv;
  }
  if (const Json* idx = present(j, "full_attn_idxs")) {
    conv.assign(layers, 1);
    for (const Json& v : idx->as_array(src + ": full_attn_idxs")) {
      const int64_t l = v.as_int(src + ": full_attn_idxs");
      TF_CHECK(l >= 0 && l < layers, src + ": full_attn_idxs has " + std::to_string(l) + ", outside the " +
                                         std::to_string(layers) + " layers");
      conv[l] = 0;
    }
  }
  return conv;
}

}  // namespace

ModelConfig parse_lfm2_config(const Json& j, const std::string& source) {
  Json t = Json::object();
  const std::pair<const char*, int64_t> sizes[] = {{"vocab_size", 65536},       {"hidden_size", 2560},
                                                   {"num_hidden_layers", 32},    {"num_attention_heads", 32},
                                                   {"num_key_value_heads", 8},   {"max_position_embeddings", 128000}};
  for (const auto& [k, v] : sizes) t.set(k, present(j, k) ? *present(j, k) : Json::integer(v));
  for (const char* k : {"head_dim", "rope_scaling", "bos_token_id", "eos_token_id", "torch_dtype", "dtype"})
    if (present(j, k)) t.set(k, *present(j, k));
  t.set("intermediate_size", Json::integer(lfm2_ff_dim(j, source)));
  t.set("rms_norm_eps", Json::number(get_double(j, "norm_eps", 1e-5, source)));
  // RoPE: the original checkpoints' "theta", or rope_theta, or transformers 5's rope_parameters, which Lfm2Config
  // may give per layer type (only the attention layers rotate).
  const Json* theta = present(j, "rope_theta");
  if (!theta) theta = present(j, "theta");
  const Json* rp = present(j, "rope_parameters");
  if (const Json* full = rp && rp->is_object() ? present(*rp, "full_attention") : nullptr) rp = full;
  if (rp) t.set("rope_parameters", *rp);
  // Lfm2Config's default base, 1e6, where neither the top level nor rope_parameters gives one.
  if (theta)
    t.set("rope_theta", *theta);
  else if (!rp || !rp->is_object() || !present(*rp, "rope_theta"))
    t.set("rope_theta", Json::number(1000000.0));
  Json archs = Json::array();
  archs.push(Json::string("LlamaForCausalLM"));
  t.set("architectures", archs);
  ModelConfig c = parse_model_config(t.dump(), source);
  c.architecture = "Lfm2ForCausalLM";
  c.model_type = "lfm2";
  c.qk_norm = true;  // Lfm2Attention's q_layernorm / k_layernorm, over each head before RoPE
  // Lfm2Config ties by default; the original checkpoints' key is tie_embedding, which wins when given.
  const Json* tie = present(j, "tie_embedding");
  if (!tie) tie = present(j, "tie_word_embeddings");
  c.tie_word_embeddings = !tie || tie->as_bool(source + ": tie_word_embeddings");
  if (const Json* b = present(j, "conv_bias"))
    TF_CHECK(!b->as_bool(source + ": conv_bias"),
             source + ": conv_bias = true (biases on the short convolution and its projections) is not supported; "
                      "the published LFM2 checkpoints have none");
  c.conv_kernel = get_int(j, "conv_L_cache", 3, source);
  TF_CHECK(c.conv_kernel >= 1 && c.conv_kernel <= 64, source + ": conv_L_cache must be in [1, 64], got " +
                                                          std::to_string(c.conv_kernel));
  c.layer_conv = lfm2_conv_layers(j, source, c.num_hidden_layers);
  return c;
}

// Lfm2VlForConditionalGeneration (LFM2-VL, LFM2.5-VL): the decoder is text_config, an Lfm2Config with its defaults;
// its weights are under model.language_model. (transformers' Lfm2VlModel, no checkpoint renaming), the SigLIP2 vision
// tower and projector beside them, untrained. The decoder keeps LFM2's model_type: its module names are LFM2's.
ModelConfig parse_lfm2_vl_text_config(const Json& j, const std::string& source) {
  const Json* tc = present(j, "text_config");
  const Json* mt = tc && tc->is_object() ? present(*tc, "model_type") : nullptr;
  const std::string inner = mt ? mt->as_string(source + ": text_config.model_type") : "lfm2";
  TF_CHECK(inner == "lfm2", source + ": text_config.model_type \"" + inner + "\" is not supported (lfm2; LFM2's MoE "
                                     "text models are not)");
  const Json t = decoder_config(j, source, "Lfm2VlForConditionalGeneration", {}, "Lfm2ForCausalLM", "lfm2");
  ModelConfig c = parse_lfm2_config(t, source + " (text_config)");
  c.architecture = "Lfm2VlForConditionalGeneration";
  return c;
}

}  // namespace tf::config_read
