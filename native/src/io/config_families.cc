// The config.json readers of single families and features, called by parse_model_config (config.cc): Phi-3's
// dropout refusals and RoPE (longrope, partial rotary), GLM-4's layer, sliding windows outside Gemma, SmolLM3's NoPE
// layers and Granite's multipliers. Each reads with transformers' semantics and refuses what the trainer would compute
// differently, naming the key.
#include <cmath>

#include "common/error.h"
#include "io/config_read.h"

namespace tf::config_read {

// A dropout rate transformers would apply while training, refused unless 0: the trainer applies LoRA dropout only.
// `family` names the checkpoints that have it at 0.
void refuse_dropout(const Json& j, const std::string& src, const char* key, const char* family) {
  if (const Json* v = present(j, key))
    TF_CHECK(v->as_double(src + ": " + key) == 0.0,
             src + ": " + key + " = " + num(v->as_double()) + " is not supported (training applies LoRA dropout only); "
                 "set it to 0.0 as the published " + family + " checkpoints have it");
}

// What Phi3Config can say that the trainer would compute differently, each refused with what it is: residual,
// embedding and attention dropout; every published Phi-3 and Phi-4 has them at 0.
void refuse_phi3_differences(const Json& j, const std::string& src) {
  for (const char* k : {"resid_pdrop", "embd_pdrop", "attention_dropout"}) refuse_dropout(j, src, k, "Phi-3 and Phi-4");
}

// The rotated share of each head, partial_rotary_factor (top-level in 4.x, in rope_parameters in 5.x; absent: the
// family's default already in c), and the number of dimensions it rotates, int(head_dim · factor) as transformers has it.
int parse_partial_rotary(const Json& j, const std::string& src, ModelConfig& c) {
  const Json* rp = present(j, "rope_parameters");
  const Json* prf = present(j, "partial_rotary_factor");
  if (!prf && rp && rp->is_object()) prf = present(*rp, "partial_rotary_factor");
  if (prf) c.partial_rotary_factor = prf->as_double(src + ": partial_rotary_factor");
  TF_CHECK(c.partial_rotary_factor > 0 && c.partial_rotary_factor <= 1, src + ": partial_rotary_factor must be in (0, 1]");
  const int rotary_dim = int(c.head_dim * c.partial_rotary_factor);
  TF_CHECK(rotary_dim >= 2 && rotary_dim % 2 == 0,
           src + ": partial_rotary_factor " + num(c.partial_rotary_factor) + " of head_dim " +
               std::to_string(c.head_dim) + " rotates " + std::to_string(rotary_dim) + " dimensions; RoPE needs an even number");
  return rotary_dim;
}

// GLM-4 (Glm4ForCausalLM, GLM-4-9B/32B-0414) as Glm4Config reads it after parse_rope: Llama's maths with gate_up_proj
// fused, each sublayer's output normalized too (post_self_attn_layernorm, post_mlp_layernorm; plain RMSNorm weights),
// and RoPE on half of each head (partial_rotary_factor 0.5 by default) in interleaved pairs. Its q/k/v biases
// (attention_bias, true by default) are read with the other families' in config.cc.
void parse_glm4(const Json& j, const std::string& src, ModelConfig& c) {
  refuse_dropout(j, src, "attention_dropout", "GLM-4");
  c.fused.gate_up = true;
  c.sandwich_norms = true;
  c.rope_interleaved = true;
  c.partial_rotary_factor = 0.5;
  parse_partial_rotary(j, src, c);
}

// Phi-3's RoPE after parse_rope: the rotated share of each head (Phi-4-mini: partial_rotary_factor 0.75, top-level in
// 4.x, in rope_parameters in 5.x), and longrope's attention factor and original context. longrope (Phi-3-mini-128k,
// Phi-3.5-mini, Phi-4-mini) divides each frequency by its short factor in a forward pass whose positions all lie
// below original_max_position_embeddings, and by its long factor in one that reaches past it, for the whole pass (as
// transformers' Phi3RotaryEmbedding and vLLM choose); the rotated values are scaled by the attention factor either
// way. The whole max_position_embeddings trains.
void parse_phi3_rope(const Json& j, const std::string& src, ModelConfig& c) {
  const int rotary_dim = parse_partial_rotary(j, src, c);
  RopeScaling& r = c.rope_scaling;
  if (r.type != "longrope") return;
  for (const auto* f : {&r.short_factor, &r.long_factor})
    TF_CHECK(int64_t(f->size()) == rotary_dim / 2,
             src + ": longrope's " + (f == &r.short_factor ? "short_factor" : "long_factor") + " has " +
                 std::to_string(f->size()) + " values; the " + std::to_string(rotary_dim) + " rotated dimensions need " +
                 std::to_string(rotary_dim / 2));
  // Phi3Config's original_max_position_embeddings (4096 by default), which transformers prefers to rope_scaling's.
  const int given = r.original_max_position_embeddings;
  r.original_max_position_embeddings = get_int(j, "original_max_position_embeddings", given > 0 ? given : 4096, src);
  const int original = r.original_max_position_embeddings;
  TF_CHECK(original > 0, src + ": original_max_position_embeddings must be positive");
  if (r.attention_factor <= 0) {
    const double factor = double(get_int(j, "max_position_embeddings", 4096, src)) / original;
    r.attention_factor = factor <= 1 ? 1.0 : std::sqrt(1 + std::log(factor) / std::log(double(original)));
  }
}

// Sliding-window attention outside Gemma 3, computed as windows (a query sees the last sliding_window keys, itself
// included: transformers' sliding mask, i - j < sliding_window), as transformers' current models apply it:
// Mistral and Phi-3 window every layer whenever sliding_window is set (MistralConfig's is 4096 when the key is
// absent; Phi-3-mini-4k's 2047 under 4096 positions); Qwen2 and Qwen3 only with use_sliding_window, on layers from
// max_window_layers (28 by default) on; SmolLM3 only with use_sliding_window, on its NoPE layers; OLMo 3 and EXAONE
// 4.0 on three layers in four (4096 keys by default); transformers 5.x lists each layer's kind in layer_types, which
// decides then.
// A window as long as the context changes nothing and is dropped. Another architecture whose layer_types name a
// sliding layer (transformers' Llama and Granite ignore them; Qwen2Config drops the window without
// use_sliding_window) keeps the window as its longest sequence instead, where every reading agrees.
std::vector<char> read_layer_types(const Json& j, const std::string& src, int layers) {
  std::vector<char> sliding;
  if (const Json* lt = present(j, "layer_types")) {
    const auto& kinds = lt->as_array(src + ": layer_types");
    TF_CHECK(int64_t(kinds.size()) == layers,
             src + ": layer_types has " + std::to_string(kinds.size()) + " entries for " + std::to_string(layers) + " layers");
    for (const Json& t : kinds) {
      const std::string& kind = t.as_string(src + ": layer_types[]");
      TF_CHECK(kind == "full_attention" || kind == "sliding_attention",
               src + ": layer_types has \"" + kind + "\", which is not supported (full_attention, sliding_attention)");
      sliding.push_back(kind == "sliding_attention");
    }
  }
  return sliding;
}

// EXAONE 4.0's layer kinds: layer_types, else every sliding_window_pattern-th layer (4 by default) full; none slide
// without a window (sliding_window null). Exaone4Config documents a string pattern ("LLLG") but computes only a
// number, so a string is refused unless layer_types is given.
static std::vector<char> exaone4_layer_kinds(const Json& j, const std::string& src, int layers) {
  std::vector<char> sliding = read_layer_types(j, src, layers);
  if (!sliding.empty() || (j.has("sliding_window") && !present(j, "sliding_window"))) return sliding;
  int pattern = 4;
  if (const Json* p = present(j, "sliding_window_pattern")) {
    TF_CHECK(!p->is_string(), src + ": sliding_window_pattern as a string needs layer_types as well (transformers' "
                                    "Exaone4Config computes the layers from a number only)");
    pattern = int(p->as_int(src + ": sliding_window_pattern"));
    TF_CHECK(pattern > 0, src + ": sliding_window_pattern must be positive");
  }
  for (int i = 0; i < layers; ++i) sliding.push_back((i + 1) % pattern != 0);
  return sliding;
}

// EXAONE 4.0 (Exaone4ForCausalLM): with a sliding window, RoPE rotates q and k on the sliding layers only ("global
// NoPE": Exaone4Attention skips it on the full-attention ones); without a window, on every layer.
void parse_exaone4(const Json& j, const std::string& src, ModelConfig& c) {
  refuse_dropout(j, src, "attention_dropout", "EXAONE 4.0");
  const bool windowed = !j.has("sliding_window") || present(j, "sliding_window");  // 4096 when absent, none when null
  c.layer_rope.clear();
  if (windowed) c.layer_rope = exaone4_layer_kinds(j, src, c.num_hidden_layers);
}

void parse_windows(const Json& j, const std::string& src, ModelConfig& c) {
  const std::string& arch = c.architecture;
  const bool qwen = arch == "Qwen2ForCausalLM" || arch == "Qwen3ForCausalLM";
  const bool smollm3 = arch == "SmolLM3ForCausalLM";
  const bool olmo3 = arch == "Olmo3ForCausalLM";
  const bool exaone4 = arch == "Exaone4ForCausalLM";
  const bool always = arch == "MistralForCausalLM" || arch == "Phi3ForCausalLM" || arch == "Ministral3ForCausalLM";
  std::vector<char> sliding = exaone4 ? exaone4_layer_kinds(j, src, c.num_hidden_layers)
                                      : read_layer_types(j, src, c.num_hidden_layers);
  // Qwen2, Qwen3 and SmolLM3 window only with use_sliding_window.
  const bool gated_windows = (qwen || smollm3) && present(j, "use_sliding_window") &&
                             j.at("use_sliding_window").as_bool(src + ": use_sliding_window");
  if (sliding.empty()) {
    if (always) sliding.assign(c.num_hidden_layers, 1);
    if (olmo3)  // Olmo3Config: three sliding layers, then a full one
      for (int i = 0; i < c.num_hidden_layers; ++i) sliding.push_back((i + 1) % 4 != 0);
    if (gated_windows && qwen) {
      const int first = get_int(j, "max_window_layers", 28, src);
      for (int i = 0; i < c.num_hidden_layers; ++i) sliding.push_back(i >= first);
    }
    if (gated_windows && smollm3)  // SmolLM3Config: its NoPE layers
      for (int i = 0; i < c.num_hidden_layers; ++i) sliding.push_back(!c.layer_rope[i]);
  }
  bool any = false;
  for (char x : sliding) any |= x;
  if (!any) return;
  // MistralConfig's, Olmo3Config's and Exaone4Config's default window is 4096 when the key is absent; null means none.
  const int default_window = (arch == "MistralForCausalLM" || olmo3 || exaone4) && !j.has("sliding_window") ? 4096 : 0;
  // An OLMo 3 without a window would still tell its sliding layers' RoPE apart (vLLM by the window, transformers by
  // layer_types): refused rather than guessed.
  TF_CHECK(!olmo3 || present(j, "sliding_window") || default_window,
           src + ": sliding_window is null but layer_types has sliding layers; OLMo 3 needs the window");
  if (!present(j, "sliding_window") && !default_window) return;
  const int w = get_int(j, "sliding_window", default_window, src);
  TF_CHECK(w > 0, src + ": sliding_window must be positive");
  // A window as long as the context changes nothing; OLMo 3 keeps its sliding layers anyway, whose RoPE is unscaled.
  if (w >= c.max_position_embeddings && !olmo3) return;
  if (!always && !gated_windows && !olmo3 && !exaone4) {  // including a Qwen whose layer_types name sliding layers without use_sliding_window
    c.max_position_embeddings = w;
    return;
  }
  c.sliding_window = w;
  c.layer_sliding = sliding;
}

// SmolLM3Config's NoPE layers: no_rope_layers (at least one entry per layer; 1 = RoPE, 0 = none), or by default
// every no_rope_layer_interval-th layer (4: layers 3, 7, ...) without RoPE.
void parse_smollm3(const Json& j, const std::string& src, ModelConfig& c) {
  c.layer_rope.clear();
  if (const Json* v = present(j, "no_rope_layers")) {
    const auto& flags = v->as_array(src + ": no_rope_layers");
    TF_CHECK(int64_t(flags.size()) >= c.num_hidden_layers,
             src + ": no_rope_layers has " + std::to_string(flags.size()) + " entries for " +
                 std::to_string(c.num_hidden_layers) + " layers");
    for (int i = 0; i < c.num_hidden_layers; ++i) {
      const int64_t f = flags[i].as_int(src + ": no_rope_layers[]");
      TF_CHECK(f == 0 || f == 1, src + ": no_rope_layers holds " + std::to_string(f) + "; 1 (RoPE) or 0 (none) expected");
      c.layer_rope.push_back(char(f));
    }
  } else {
    const int interval = get_int(j, "no_rope_layer_interval", 4, src);
    TF_CHECK(interval > 0, src + ": no_rope_layer_interval must be positive");
    for (int i = 0; i < c.num_hidden_layers; ++i) c.layer_rope.push_back((i + 1) % interval != 0);
  }
  refuse_dropout(j, src, "attention_dropout", "SmolLM3");
}

// GraniteConfig's multipliers (each 1.0 when absent, as there): the embedding's, the scores' (in place of
// head_dim^-0.5: GraniteConfig's default 1.0 means unscaled scores), each sublayer's before its residual add, and the
// logits' divisor. Attention dropout, which transformers would apply while training, is refused as for Phi-3.
void parse_granite(const Json& j, const std::string& src, ModelConfig& c) {
  auto positive = [&](const char* key) {
    const double v = get_double(j, key, 1.0, src);
    TF_CHECK(v > 0 && std::isfinite(v), src + ": " + key + " must be a positive number, got " + num(v));
    return v;
  };
  c.embedding_multiplier = positive("embedding_multiplier");
  c.attention_multiplier = positive("attention_multiplier");
  c.residual_multiplier = positive("residual_multiplier");
  c.logits_scaling = positive("logits_scaling");
  refuse_dropout(j, src, "attention_dropout", "Granite");
}

// An image-text checkpoint's decoder config: text_config with the config class's defaults for the sizes it leaves
// out, the token ids and dtype from the outer config (which holds them), and the text model's architecture.
Json decoder_config(const Json& j, const std::string& source, const std::string& outer,
                    const std::vector<std::pair<const char*, int64_t>>& defaults, const std::string& arch,
                    const std::string& model_type) {
  const Json* tc = present(j, "text_config");
  TF_CHECK(tc, source + ": " + outer + " without a text_config");
  Json t = *tc;
  t.as_object(source + ": text_config");
  for (const auto& [k, v] : defaults)
    if (!present(t, k)) t.set(k, Json::integer(v));
  for (const char* k : {"bos_token_id", "eos_token_id", "torch_dtype", "dtype"})
    if (!present(t, k) && present(j, k)) t.set(k, *present(j, k));
  Json archs = Json::array();
  archs.push(Json::string(arch));
  t.set("architectures", archs);
  t.set("model_type", Json::string(model_type));
  return t;
}

}  // namespace tf::config_read
