// Mistral AI's current checkpoints, as transformers reads them: Ministral 3 (Ministral3ForCausalLM, model_type
// "ministral3": Mistral's layer, yarn RoPE and a query temperature by position), and the image-text
// Mistral3ForConditionalGeneration they and Mistral Small 3.1 / 3.2 are published as, whose decoder is text_config (a
// Ministral3Config or a MistralConfig). The vision tower is not read: training and generation are on text.
#include <cmath>

#include "common/error.h"
#include "io/config_read.h"

namespace tf::config_read {

namespace {

bool gives_rope(const Json& j) {
  return present(j, "rope_parameters") || present(j, "rope_scaling") || present(j, "rope_theta");
}

// Ministral3Config's rope_parameters when config.json gives none.
Json ministral3_default_rope() {
  Json r = Json::object();
  r.set("type", Json::string("yarn"));
  r.set("rope_theta", Json::number(1000000.0));
  r.set("factor", Json::number(16.0));
  r.set("original_max_position_embeddings", Json::integer(16384));
  r.set("beta_fast", Json::number(32.0));
  r.set("beta_slow", Json::number(1.0));
  r.set("mscale", Json::number(1.0));
  r.set("mscale_all_dim", Json::number(1.0));
  r.set("llama_4_scaling_beta", Json::number(0.1));
  return r;
}

}  // namespace

// Ministral 3's RoPE: parse_rope's reading of rope_parameters (Ministral3Config's own when none is given: yarn, factor
// 16 over 16384 positions, attention factor 1 from mscale / mscale_all_dim), and Ministral3Attention's query
// temperature from the same object: llama_4_scaling_beta and original_max_position_embeddings, which transformers reads
// without a default (a config without them fails there), so they are required here.
void parse_ministral3_rope(const Json& j, const std::string& src, ModelConfig& c) {
  if (!gives_rope(j)) {
    Json with = j;
    with.set("rope_parameters", ministral3_default_rope());
    parse_ministral3_rope(with, src, c);
    return;
  }
  parse_rope(j, src, c);
  const char* key = present(j, "rope_parameters") ? "rope_parameters" : "rope_scaling";
  const Json* rp = present(j, key);
  const std::string what = src + ": " + key;
  TF_CHECK(rp && present(*rp, "llama_4_scaling_beta") && present(*rp, "original_max_position_embeddings"),
           what + " needs llama_4_scaling_beta and original_max_position_embeddings: Ministral 3 (transformers' "
                  "Ministral3Attention) scales its queries by position with them");
  c.q_temperature_beta = get_double(*rp, "llama_4_scaling_beta", 0, what);
  c.q_temperature_interval = get_int(*rp, "original_max_position_embeddings", 0, what);
  TF_CHECK(std::isfinite(c.q_temperature_beta) && c.q_temperature_beta >= 0,
           what + ".llama_4_scaling_beta must be a number >= 0");
  TF_CHECK(c.q_temperature_interval > 0, what + ".original_max_position_embeddings must be positive");
}

// Mistral3ForConditionalGeneration (Ministral 3 3B/8B/14B, Mistral Small 3.1 / 3.2): the decoder is text_config, a
// Ministral3Config (model_type "ministral3") or a MistralConfig (the default, "mistral"), each with its class's
// defaults; its weights are under language_model.model. (or model.language_model.), untied ones' lm_head beside them.
ModelConfig parse_mistral3_text_config(const Json& j, const std::string& source) {
  const Json* tc = present(j, "text_config");
  const Json* mt = tc && tc->is_object() ? present(*tc, "model_type") : nullptr;
  const std::string inner = mt ? mt->as_string(source + ": text_config.model_type") : "mistral";
  TF_CHECK(inner == "ministral3" || inner == "mistral",
           source + ": text_config.model_type \"" + inner + "\" is not supported (ministral3, mistral)");
  const bool ministral3 = inner == "ministral3";
  const std::vector<std::pair<const char*, int64_t>> defaults =
      ministral3 ? std::vector<std::pair<const char*, int64_t>>{{"vocab_size", 131072}, {"hidden_size", 4096},
                                                                {"intermediate_size", 14336}, {"num_hidden_layers", 34},
                                                                {"num_attention_heads", 32}, {"num_key_value_heads", 8}}
                 : std::vector<std::pair<const char*, int64_t>>{{"vocab_size", 32000}, {"hidden_size", 4096},
                                                                {"intermediate_size", 14336}, {"num_hidden_layers", 32},
                                                                {"num_attention_heads", 32}, {"num_key_value_heads", 8}};
  const Json t = decoder_config(j, source, "Mistral3ForConditionalGeneration", defaults,
                                ministral3 ? "Ministral3ForCausalLM" : "MistralForCausalLM", inner);
  ModelConfig c = parse_model_config(t.dump(), source + " (text_config)");
  c.architecture = "Mistral3ForConditionalGeneration";
  c.model_type = "mistral3";
  return c;
}

}  // namespace tf::config_read
