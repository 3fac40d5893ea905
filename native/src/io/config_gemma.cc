// Gemma 2 (Gemma2ForCausalLM) and Gemma 3's text model (Gemma3ForCausalLM, or the decoder of
// Gemma3ForConditionalGeneration) read as transformers' Gemma2Config and Gemma3TextConfig: their own defaults
// (head_dim 256, tied embeddings, query_pre_attn_scalar 256, sliding_window 4096; Gemma 2's soft caps 50 and 30 and
// its window on every second layer, Gemma 3's window on five layers of six) and Gemma 3's two RoPE bases.
#include <cmath>
#include <utility>

#include "common/error.h"
#include "common/json.h"
#include "io/config.h"
#include "io/config_read.h"

namespace tf::config_read {

// Gemma 3's two RoPEs: the full-attention layers' (rope_theta, scaled by rope_scaling) and the sliding layers'
// (rope_local_base_freq, never scaled). transformers 5.x writes them as rope_parameters per layer type; a file that
// also keeps the 4.x keys must agree with them, as for the Llama family.
void parse_gemma_rope(const Json& j, const std::string& src, ModelConfig& c) {
  const Json* top_theta = present(j, "rope_theta");
  const Json* top_local = present(j, "rope_local_base_freq");
  c.rope_theta = get_double(j, "rope_theta", 1e6, src);
  c.rope_local_theta = get_double(j, "rope_local_base_freq", 1e4, src);
  if (const Json* rs = present(j, "rope_scaling")) c.rope_scaling = parse_rope_scaling_object(*rs, src + ": rope_scaling", true);
  if (const Json* rp = present(j, "rope_parameters")) {
    const std::string what = src + ": rope_parameters";
    rp->as_object(what);
    const Json* full = present(*rp, "full_attention");
    const Json* sliding = present(*rp, "sliding_attention");
    TF_CHECK(full || sliding, what + " must be given per layer type (full_attention, sliding_attention) for Gemma 3");
    auto theta_of = [&](const Json* o, const char* kind, double top, bool top_given) {
      const std::string at = what + "." + kind;
      const double t = get_double(*o, "rope_theta", top, at);
      TF_CHECK(!top_given || t == top, at + " (" + describe_theta(t) + ") and the top-level key (" + describe_theta(top) +
                                           ") disagree; remove the one that does not describe the model's weights");
      return t;
    };
    if (full) {
      c.rope_theta = theta_of(full, "full_attention", c.rope_theta, top_theta != nullptr);
      c.rope_scaling = parse_rope_scaling_object(*full, what + ".full_attention", false);
    }
    if (sliding) {
      c.rope_local_theta = theta_of(sliding, "sliding_attention", c.rope_local_theta, top_local != nullptr);
      TF_CHECK(parse_rope_scaling_object(*sliding, what + ".sliding_attention", false).type.empty(),
               what + ".sliding_attention: RoPE scaling on the sliding layers is not supported");
    }
  }
  TF_CHECK(c.rope_theta > 0 && std::isfinite(c.rope_theta), src + ": rope_theta must be positive");
  finish_yarn(c);  // yarn scales the full-attention layers only, as any scaling here: the sliding ones have their own RoPE
  TF_CHECK(c.rope_local_theta > 0 && std::isfinite(c.rope_local_theta), src + ": rope_local_base_freq must be positive");
}

// The switches Gemma 2 and Gemma 3 share (see ModelConfig), and what differs: Gemma 3 normalizes each head of q and k
// and has two RoPEs; Gemma 2 has neither but soft-caps the scores and the logits, and alternates sliding and full
// layers. Refuses what transformers' Gemma2Model / Gemma3TextModel can do and we cannot: softcapping on Gemma 3,
// bidirectional attention (EmbeddingGemma), another activation, attention dropout.
void parse_gemma(const Json& j, const std::string& src, ModelConfig& c) {
  const bool gemma2 = c.architecture == "Gemma2ForCausalLM";
  c.norm_plus_one = c.embed_scaled = c.sandwich_norms = true;
  c.qk_norm = !gemma2;
  refuse_dropout(j, src, "attention_dropout", gemma2 ? "Gemma 2" : "Gemma 3");
  if (gemma2) {
    // Gemma2Config: 50 and 30 when absent; null switches one off (as transformers reads None).
    auto cap = [&](const char* k, double def) {
      const Json* v = j.find(k);
      if (v && v->is_null()) return 0.0;
      const double x = get_double(j, k, def, src);
      TF_CHECK(x > 0 && std::isfinite(x), src + ": " + k + " must be positive (or null for none)");
      return x;
    };
    c.attn_logit_softcapping = cap("attn_logit_softcapping", 50.0);
    c.final_logit_softcapping = cap("final_logit_softcapping", 30.0);
  } else {
    for (const char* k : {"final_logit_softcapping", "attn_logit_softcapping"})
      TF_CHECK(!present(j, k), src + ": " + k + " is set; Gemma 3 computes no softcapping (Gemma 2 does)");
  }
  if (const Json* v = present(j, "use_bidirectional_attention"))
    TF_CHECK(!v->as_bool(src + ": use_bidirectional_attention"),
             src + ": use_bidirectional_attention = true (an embedding model) is not supported");
  c.hidden_act = "gelu_pytorch_tanh";
  if (const Json* v = present(j, "hidden_activation")) c.hidden_act = v->as_string(src + ": hidden_activation");
  TF_CHECK(c.hidden_act == "gelu_pytorch_tanh",
           src + ": hidden_activation \"" + c.hidden_act + "\" is not supported (only gelu_pytorch_tanh)");
  c.query_pre_attn_scalar = get_double(j, "query_pre_attn_scalar", 256, src);
  TF_CHECK(c.query_pre_attn_scalar > 0 && std::isfinite(c.query_pre_attn_scalar),
           src + ": query_pre_attn_scalar must be positive");
  c.sliding_window = get_int(j, "sliding_window", 4096, src);
  TF_CHECK(c.sliding_window > 0, src + ": sliding_window must be positive");
  c.layer_sliding.assign(c.num_hidden_layers, 0);
  if (const Json* lt = present(j, "layer_types")) {
    const auto& kinds = lt->as_array(src + ": layer_types");
    TF_CHECK(int64_t(kinds.size()) == c.num_hidden_layers,
             src + ": layer_types has " + std::to_string(kinds.size()) + " entries for " +
                 std::to_string(c.num_hidden_layers) + " layers");
    for (size_t i = 0; i < kinds.size(); ++i) {
      const std::string& kind = kinds[i].as_string(src + ": layer_types[]");
      TF_CHECK(kind == "full_attention" || kind == "sliding_attention",
               src + ": layer_types has \"" + kind + "\", which is not supported (full_attention, sliding_attention)");
      c.layer_sliding[i] = kind == "sliding_attention";
    }
  } else {
    // Gemma3TextConfig: layer i is full when (i + 1) is a multiple of the pattern; Gemma2Config: every second layer.
    const int pattern = gemma2 ? 2 : get_int(j, "sliding_window_pattern", 6, src);
    TF_CHECK(pattern > 0, src + ": sliding_window_pattern must be positive");
    for (int i = 0; i < c.num_hidden_layers; ++i) c.layer_sliding[i] = (i + 1) % pattern != 0;
  }
  if (gemma2)
    parse_rope(j, src, c);  // one RoPE for every layer, as Llama's
  else
    parse_gemma_rope(j, src, c);
}


// Gemma 3 from 4B up is published as Gemma3ForConditionalGeneration: its decoder's config is text_config, which
// leaves out what Gemma3TextConfig defaults (gemma-3-4b-it gives only hidden_size, intermediate_size, the layer count,
// its window and RoPE scaling). The text model is read as a Gemma3ForCausalLM; the vision tower is not read (training
// and generation are on text), and its weights stay in the folder for a merge to copy.
ModelConfig parse_gemma3_text_config(const Json& j, const std::string& source) {
  const Json t = decoder_config(j, source, "Gemma3ForConditionalGeneration",
                                {{"vocab_size", 262208}, {"hidden_size", 2304}, {"intermediate_size", 9216},
                                 {"num_hidden_layers", 26}, {"num_attention_heads", 8}, {"num_key_value_heads", 4}},
                                "Gemma3ForCausalLM", "gemma3_text");
  ModelConfig c = parse_model_config(t.dump(), source + " (text_config)");
  c.architecture = "Gemma3ForConditionalGeneration";
  c.model_type = "gemma3";
  return c;
}

}  // namespace tf::config_read
