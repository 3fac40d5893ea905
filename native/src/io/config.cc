// config.json of the Llama family, read with Hugging Face transformers' semantics: the same defaults per
// architecture, head_dim explicit or hidden/heads, eos as an int or a list, llama3 rope scaling (4.x's keys or
// 5.x's rope_parameters). Anything the trainer would compute differently from transformers (other rope types,
// MLP bias, a non-SiLU activation) is refused here with a message, rather than trained silently wrong.
// Gemma 2 and Gemma 3's text model are read as transformers' Gemma2Config and Gemma3TextConfig (config_gemma.cc).
// Phi-3 and Phi-4 (Phi3ForCausalLM) are read as Phi3Config: Llama's maths with fused qkv_proj / gate_up_proj, and
// the long-context variants' "longrope" RoPE and Phi-4-mini's partial rotary factor (parse_phi3_rope).
// Granite 3 (GraniteForCausalLM) is read as GraniteConfig: Llama's maths with four multipliers (parse_granite).
// SmolLM3 (SmolLM3ForCausalLM) is read as SmolLM3Config: Llama's maths without RoPE on its NoPE layers (parse_smollm3).
// OLMo 2 (Olmo2ForCausalLM) is read as Olmo2Config: output norms in place of input norms, whole-width q/k norms.
// GLM-4 (Glm4ForCausalLM) is read as Glm4Config: output norms besides the input norms, fused gate_up_proj, q/k/v
// biases, half of each head rotated in interleaved pairs (parse_glm4).
// The per-family readers (Phi-3's RoPE, the windows, SmolLM3, Granite, the dropout refusals) are config_families.cc.
#include "io/config.h"
#include "io/config_read.h"

#include <cerrno>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "common/error.h"
#include "common/json.h"

namespace tf {

const char* const kSupportedArchitectures[] = {"LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM",
                                               "Qwen3ForCausalLM", "Phi3ForCausalLM", "GraniteForCausalLM",
                                               "SmolLM3ForCausalLM", "Olmo2ForCausalLM", "Olmo3ForCausalLM", "Gemma2ForCausalLM",
                                               "Gemma3ForCausalLM", "Gemma3ForConditionalGeneration", "Glm4ForCausalLM",
                                               "Exaone4ForCausalLM", "Ministral3ForCausalLM",
                                               "Mistral3ForConditionalGeneration", "Lfm2ForCausalLM",
                                               "Lfm2VlForConditionalGeneration", nullptr};

int ModelConfig::conv_layer_count() const { return int(std::count(layer_conv.begin(), layer_conv.end(), 1)); }

namespace config_read {

const Json* present(const Json& j, const char* key) {
  const Json* v = j.find(key);
  return v && !v->is_null() ? v : nullptr;
}

int get_int(const Json& j, const char* key, int def, const std::string& src) {
  const Json* v = present(j, key);
  if (!v) return def;
  int64_t x = v->as_int(src + ": " + key);
  TF_CHECK(x >= -2147483647 && x <= 2147483647, src + ": " + key + " = " + std::to_string(x) + " is out of range");
  return int(x);
}

double get_double(const Json& j, const char* key, double def, const std::string& src) {
  const Json* v = present(j, key);
  return v ? v->as_double(src + ": " + key) : def;
}

// A number as written in config.json: 0.1, not 0.100000.
std::string num(double x) {
  std::ostringstream o;
  o << x;
  return o.str();
}

}  // namespace config_read

using namespace config_read;

namespace {

std::string supported_list() {
  std::string s;
  for (int i = 0; kSupportedArchitectures[i]; ++i) s += (i ? ", " : "") + std::string(kSupportedArchitectures[i]);
  return s;
}

// transformers' defaults differ per architecture only in max_position_embeddings here.
int default_max_positions(const std::string& arch) {
  if (arch == "MistralForCausalLM") return 4096 * 32;
  if (arch == "Qwen2ForCausalLM" || arch == "Qwen3ForCausalLM") return 32768;
  if (arch == "Gemma3ForCausalLM") return 131072;
  if (arch == "Gemma2ForCausalLM") return 8192;
  if (arch == "Phi3ForCausalLM") return 4096;
  if (arch == "SmolLM3ForCausalLM") return 32768;
  if (arch == "Glm4ForCausalLM") return 131072;
  if (arch == "Ministral3ForCausalLM") return 262144;
  return 2048;
}
}  // namespace

namespace config_read {

// yarn's fields as transformers' _compute_yarn_parameters reads them (see RopeScaling). original_max_position_embeddings
// stays 0 when absent (null included): parse_rope puts the config's max_position_embeddings there. The attention
// factor is computed here when not given: 0.1·ln(factor) + 1, or with DeepSeek's mscale and mscale_all_dim (both
// non-zero) the ratio of that formula at each, 1 for a factor of 1.
RopeScaling parse_yarn(const Json& rs, const std::string& what) {
  RopeScaling r;
  r.type = "yarn";
  TF_CHECK(present(rs, "factor"), what + " (yarn) has no factor");
  r.factor = get_double(rs, "factor", 1.0, what);
  TF_CHECK(r.factor >= 1.0 && std::isfinite(r.factor), what + ".factor must be >= 1");
  r.original_max_position_embeddings = get_int(rs, "original_max_position_embeddings", 0, what);
  TF_CHECK(r.original_max_position_embeddings >= 0, what + ".original_max_position_embeddings must be positive");
  // transformers: rope_scaling.get("beta_fast") or 32, so 0 means the default too.
  r.beta_fast = get_double(rs, "beta_fast", 0, what);
  r.beta_slow = get_double(rs, "beta_slow", 0, what);
  if (r.beta_fast == 0) r.beta_fast = 32;
  if (r.beta_slow == 0) r.beta_slow = 1;
  TF_CHECK(r.beta_fast > 0 && r.beta_slow > 0 && std::isfinite(r.beta_fast) && std::isfinite(r.beta_slow),
           what + ": beta_fast and beta_slow must be positive");
  if (const Json* t = present(rs, "truncate")) r.truncate = t->as_bool(what + ".truncate");
  auto mscale = [&](double m) { return r.factor <= 1 ? 1.0 : 0.1 * m * std::log(r.factor) + 1.0; };
  const double ms = get_double(rs, "mscale", 0, what), ms_all = get_double(rs, "mscale_all_dim", 0, what);
  r.attention_factor = ms != 0 && ms_all != 0 ? mscale(ms) / mscale(ms_all) : mscale(1);
  if (present(rs, "attention_factor")) r.attention_factor = get_double(rs, "attention_factor", 0, what);
  TF_CHECK(r.attention_factor > 0 && std::isfinite(r.attention_factor), what + ".attention_factor must be positive");
  return r;
}

// One RoPE scaling object: transformers 4.x's "rope_scaling", or 5.x's "rope_parameters" (which also carries
// rope_theta, read by parse_rope). `what` names it in errors. No type (5.x writes one) is the plain rotation.
RopeScaling parse_rope_scaling_object(const Json& rs, const std::string& what, bool type_required, bool phi3) {
  RopeScaling r;
  rs.as_object(what);
  const Json* type = present(rs, "rope_type");
  if (!type) type = present(rs, "type");
  TF_CHECK(type || !type_required, what + " has no rope_type");
  const std::string t = type ? type->as_string(what + ".rope_type") : "default";
  if (const Json* f = present(rs, "partial_rotary_factor"); f && !phi3)  // Phi-3's is read by parse_phi3_rope
    TF_CHECK(f->as_double(what + ".partial_rotary_factor") == 1.0,
             what + ".partial_rotary_factor < 1 (rotating part of each head) is not supported");
  if (t == "default") return r;
  if (phi3 && (t == "longrope" || t == "su")) {  // "su": its name in the first Phi-3-128k configs
    r.type = "longrope";
    auto factors = [&](const char* key) {
      const Json* v = present(rs, key);
      TF_CHECK(v, what + " (longrope) has no " + key);
      std::vector<double> out;
      for (const Json& x : v->as_array(what + "." + key)) {
        out.push_back(x.as_double(what + "." + key + "[]"));
        TF_CHECK(out.back() > 0 && std::isfinite(out.back()), what + "." + key + " must hold positive numbers");
      }
      return out;
    };
    r.short_factor = factors("short_factor");
    r.long_factor = factors("long_factor");
    // Its "factor", when given, is not read: Phi-3 takes max / original_max_position_embeddings (parse_phi3_rope).
    r.attention_factor = get_double(rs, "attention_factor", 0, what);  // 0: computed by parse_phi3_rope
    r.original_max_position_embeddings = get_int(rs, "original_max_position_embeddings", 0, what);
    return r;
  }
  if (t == "yarn") return parse_yarn(rs, what);
  TF_CHECK(t == "llama3" || t == "linear", what + " type \"" + t + "\" is not supported (supported: llama3, linear, yarn, or none" +
                                               (phi3 ? ", longrope" : "") + ")");
  r.type = t;
  r.factor = get_double(rs, "factor", r.factor, what);
  TF_CHECK(r.factor >= 1.0, what + ".factor must be >= 1");
  if (t == "linear") return r;
  r.low_freq_factor = get_double(rs, "low_freq_factor", r.low_freq_factor, what);
  r.high_freq_factor = get_double(rs, "high_freq_factor", r.high_freq_factor, what);
  r.original_max_position_embeddings =
      get_int(rs, "original_max_position_embeddings", r.original_max_position_embeddings, what);
  TF_CHECK(r.factor >= 1.0, what + ".factor must be >= 1");
  TF_CHECK(r.low_freq_factor > 0 && r.high_freq_factor > r.low_freq_factor,
           what + ": need 0 < low_freq_factor < high_freq_factor");
  TF_CHECK(r.original_max_position_embeddings > 0, what + ".original_max_position_embeddings must be positive");
  return r;
}

std::string describe_theta(double theta) {
  std::ostringstream o;
  o << "rope_theta " << std::setprecision(12) << theta;  // 1000000, not 1e+06
  return o.str();
}

std::string describe_scaling(const RopeScaling& r) {
  if (r.type.empty()) return "no scaling";
  std::ostringstream o;
  if (r.type == "linear") {
    o << "linear scaling (factor " << r.factor << ")";
    return o.str();
  }
  if (r.type == "yarn") {
    o << "yarn scaling (factor " << r.factor;
    if (r.original_max_position_embeddings > 0)  // 0: not given (max_position_embeddings then)
      o << ", original_max_position_embeddings " << r.original_max_position_embeddings;
    o << ", attention_factor " << r.attention_factor << ", beta_fast " << r.beta_fast << ", beta_slow " << r.beta_slow
      << (r.truncate ? "" : ", truncate false") << ")";
    return o.str();
  }
  o << r.type << " scaling (factor " << r.factor << ", low_freq_factor " << r.low_freq_factor << ", high_freq_factor "
    << r.high_freq_factor << ", original_max_position_embeddings " << r.original_max_position_embeddings << ")";
  return o.str();
}

// RoPE as transformers reads it. 4.x writes a top-level rope_theta and rope_scaling; 5.x writes one object,
// "rope_parameters": {"rope_type", "rope_theta", and the type's fields}, and may leave the top-level keys out. A
// reader that knew only the 4.x keys would take a 5.x Llama 3 for rope_theta 10000 without scaling and train it with
// the wrong frequencies, silently. Both forms are read; a file that gives both must give the same RoPE in each.
void parse_rope(const Json& j, const std::string& src, ModelConfig& c) {
  const bool phi3 = c.architecture == "Phi3ForCausalLM";
  const Json* top_theta = present(j, "rope_theta");
  const Json* top_scaling = present(j, "rope_scaling");
  c.rope_theta = get_double(j, "rope_theta", c.architecture == "SmolLM3ForCausalLM" ? 2000000.0 : 10000.0, src);
  if (top_scaling) c.rope_scaling = parse_rope_scaling_object(*top_scaling, src + ": rope_scaling", true, phi3);
  if (const Json* rp = present(j, "rope_parameters")) {
    const std::string what = src + ": rope_parameters";
    rp->as_object(what);
    // Models with several attention kinds (Gemma 3, Qwen3-Next, ...) give one object per layer type.
    for (const char* kind : {"full_attention", "sliding_attention"})
      TF_CHECK(!present(*rp, kind), what + " is given per layer type (\"" + kind +
                                       "\"), which the supported architectures do not have");
    const double theta = get_double(*rp, "rope_theta", c.rope_theta, what);
    const RopeScaling scaling = parse_rope_scaling_object(*rp, what, false, phi3);
    const bool same_theta = !top_theta || theta == c.rope_theta;
    const bool same_scaling = !top_scaling || scaling == c.rope_scaling;
    if (!(same_theta && same_scaling)) {
      // The top level's side names only what the file states there, not a default it leaves out.
      std::string top;
      if (!same_theta) top = describe_theta(c.rope_theta);
      if (!same_scaling) top += (top.empty() ? "rope_scaling: " : ", rope_scaling: ") + describe_scaling(c.rope_scaling);
      throw Error(src + ": rope_parameters (" + describe_theta(theta) + ", " + describe_scaling(scaling) +
                  ") and the top-level keys (" + top + ") disagree; remove the one that does not describe the model's weights");
    }
    c.rope_theta = theta;
    c.rope_scaling = scaling;
  }
  TF_CHECK(c.rope_theta > 0 && std::isfinite(c.rope_theta), src + ": rope_theta must be positive");
  finish_yarn(c);
}

// yarn without original_max_position_embeddings counts the turns over max_position_embeddings, as transformers
// does (`rope_scaling.get("original_max_position_embeddings") or config.max_position_embeddings`). The releases from
// DeepSeek-V3's support until transformers#40320 (2025) also replaced factor by max_position_embeddings /
// original_max_position_embeddings when rope_scaling gave the latter (transformers#38224); current ones take factor
// as given, as vLLM and TGI do, and so does this.
void finish_yarn(ModelConfig& c) {
  if (c.rope_scaling.type == "yarn" && c.rope_scaling.original_max_position_embeddings == 0)
    c.rope_scaling.original_max_position_embeddings = c.max_position_embeddings;
}

}  // namespace config_read

ModelConfig parse_model_config(const std::string& json_text, const std::string& source) {
  const Json j = parse_json(json_text, source);
  j.as_object(source);
  ModelConfig c;
  // Pre-quantized weights (FP8 like Ministral 3's instruct releases, bitsandbytes, GPTQ, AWQ) are other tensors than
  // the ones the layers read; refused by name rather than failing later on a tensor's dtype or shape.
  if (const Json* q = present(j, "quantization_config")) {
    const Json* m = q->is_object() ? present(*q, "quant_method") : nullptr;
    const std::string method = m && m->is_string() ? m->as_string() : "unknown";
    throw Error(source + ": quantization_config (quant_method \"" + method + "\") says the weights are stored "
                "pre-quantized, which the trainer does not read; use the model's BF16 (or FP16/FP32) release: tuneforge "
                "quantizes to NF4 itself");
  }

  const Json* archs = present(j, "architectures");
  const Json* mt = present(j, "model_type");
  if (archs) {
    const auto& list = archs->as_array(source + ": architectures");
    TF_CHECK(!list.empty(), source + ": architectures is empty; supported: " + supported_list());
    c.architecture = list[0].as_string(source + ": architectures[0]");
  } else {
    // Some hand-written configs only give model_type; map it the way transformers' AutoModel would.
    TF_CHECK(mt, source + ": neither architectures nor model_type is set; supported: " + supported_list());
    const std::string& m = mt->as_string(source + ": model_type");
    c.architecture = m == "llama" ? "LlamaForCausalLM" : m == "mistral" ? "MistralForCausalLM"
                   : m == "qwen2" ? "Qwen2ForCausalLM" : m == "qwen3" ? "Qwen3ForCausalLM"
                   : m == "phi3" ? "Phi3ForCausalLM" : m == "granite" ? "GraniteForCausalLM"
                   : m == "smollm3" ? "SmolLM3ForCausalLM" : m == "olmo2" ? "Olmo2ForCausalLM" : m == "olmo3" ? "Olmo3ForCausalLM"
                   : m == "gemma2" ? "Gemma2ForCausalLM" : m == "gemma3_text" ? "Gemma3ForCausalLM"
                   : m == "gemma3" ? "Gemma3ForConditionalGeneration" : m == "glm4" ? "Glm4ForCausalLM"
                   : m == "exaone4" ? "Exaone4ForCausalLM" : m == "ministral3" ? "Ministral3ForCausalLM"
                   : m == "mistral3" ? "Mistral3ForConditionalGeneration"
                   : m == "lfm2" ? "Lfm2ForCausalLM" : m == "lfm2-vl" || m == "lfm2_vl" ? "Lfm2VlForConditionalGeneration"
                   : "model_type " + m;
  }
  if (c.architecture == "Gemma3ForConditionalGeneration") return parse_gemma3_text_config(j, source);
  if (c.architecture == "Mistral3ForConditionalGeneration") return parse_mistral3_text_config(j, source);
  if (c.architecture == "Lfm2ForCausalLM") return parse_lfm2_config(j, source);
  if (c.architecture == "Lfm2VlForConditionalGeneration") return parse_lfm2_vl_text_config(j, source);
  bool supported = false;
  for (int i = 0; kSupportedArchitectures[i]; ++i) supported |= c.architecture == kSupportedArchitectures[i];
  TF_CHECK(supported, source + ": architecture " + c.architecture + " is not supported; supported: " + supported_list());
  const bool qwen3 = c.architecture == "Qwen3ForCausalLM";
  const bool gemma2 = c.architecture == "Gemma2ForCausalLM";
  const bool gemma = gemma2 || c.architecture == "Gemma3ForCausalLM";  // the two share parse_gemma
  const bool phi3 = c.architecture == "Phi3ForCausalLM";
  const bool granite = c.architecture == "GraniteForCausalLM";
  const bool smollm3 = c.architecture == "SmolLM3ForCausalLM";
  const bool olmo3 = c.architecture == "Olmo3ForCausalLM";
  const bool olmo2 = olmo3 || c.architecture == "Olmo2ForCausalLM";  // OLMo 3 is OLMo 2's layer with windows
  const bool glm4 = c.architecture == "Glm4ForCausalLM";
  // EXAONE 4.0: OLMo 2's sublayers (output norms, no input norms) with Qwen3's per-head q/k norms.
  const bool exaone4 = c.architecture == "Exaone4ForCausalLM";
  // Ministral 3: Mistral's layer with a query temperature by position (parse_ministral3_rope).
  const bool ministral3 = c.architecture == "Ministral3ForCausalLM";
  c.model_type = c.architecture == "LlamaForCausalLM" ? "llama" : c.architecture == "MistralForCausalLM" ? "mistral"
               : qwen3 ? "qwen3" : gemma2 ? "gemma2" : gemma ? "gemma3_text" : phi3 ? "phi3" : granite ? "granite"
               : smollm3 ? "smollm3" : olmo3 ? "olmo3" : olmo2 ? "olmo2" : glm4 ? "glm4" : exaone4 ? "exaone4"
               : ministral3 ? "ministral3" : "qwen2";
  c.fused = {phi3, phi3};
  // Qwen3 normalizes each head's query and key (q_norm, k_norm) before RoPE; OLMo 2 all of q and of k, and each
  // sublayer's output instead of its input.
  c.qk_norm = qwen3 || olmo2 || exaone4;
  c.qk_norm_whole = olmo2;
  c.sandwich_norms = olmo2 || exaone4;
  c.input_norms = !olmo2 && !exaone4;

  std::string missing;
  for (const char* k : {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads"})
    if (!present(j, k)) missing += (missing.empty() ? "" : ", ") + std::string(k);
  TF_CHECK(missing.empty(), source + ": missing " + missing);
  c.vocab_size = get_int(j, "vocab_size", 0, source);
  c.hidden_size = get_int(j, "hidden_size", 0, source);
  c.intermediate_size = get_int(j, "intermediate_size", 0, source);
  c.num_hidden_layers = get_int(j, "num_hidden_layers", 0, source);
  c.num_attention_heads = get_int(j, "num_attention_heads", 0, source);
  c.num_key_value_heads = get_int(j, "num_key_value_heads", c.num_attention_heads, source);
  for (auto kv : {std::make_pair("vocab_size", c.vocab_size), std::make_pair("hidden_size", c.hidden_size),
                  std::make_pair("intermediate_size", c.intermediate_size),
                  std::make_pair("num_hidden_layers", c.num_hidden_layers),
                  std::make_pair("num_attention_heads", c.num_attention_heads),
                  std::make_pair("num_key_value_heads", c.num_key_value_heads)})
    TF_CHECK(kv.second > 0, source + ": " + kv.first + " must be positive, got " + std::to_string(kv.second));
  TF_CHECK(c.num_attention_heads % c.num_key_value_heads == 0,
           source + ": num_attention_heads (" + std::to_string(c.num_attention_heads) +
               ") must be a multiple of num_key_value_heads (" + std::to_string(c.num_key_value_heads) + ")");
  if (present(j, "head_dim") || qwen3 || gemma || glm4 || ministral3) {
    // Qwen3Config's, Glm4Config's and Ministral3Config's head_dim defaults to 128 whatever hidden_size /
    // num_attention_heads is (Qwen3-0.6B: 1024 / 16), Gemma2Config's and Gemma3TextConfig's to 256.
    c.head_dim = get_int(j, "head_dim", gemma ? 256 : 128, source);
    TF_CHECK(c.head_dim > 0, source + ": head_dim must be positive");
  } else {
    TF_CHECK(c.hidden_size % c.num_attention_heads == 0,
             source + ": hidden_size (" + std::to_string(c.hidden_size) + ") is not divisible by num_attention_heads (" +
                 std::to_string(c.num_attention_heads) + ") and head_dim is not given");
    c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  TF_CHECK(c.head_dim % 2 == 0, source + ": head_dim " + std::to_string(c.head_dim) + " must be even for rotary embeddings");
  // Upper bounds far above any real model, so that size arithmetic downstream (parameter counts, buffer
  // sizes) cannot overflow on a corrupt or hostile config.
  for (auto kv : {std::make_pair("vocab_size", std::make_pair(c.vocab_size, 1 << 24)),
                  std::make_pair("hidden_size", std::make_pair(c.hidden_size, 1 << 20)),
                  std::make_pair("intermediate_size", std::make_pair(c.intermediate_size, 1 << 20)),
                  std::make_pair("num_hidden_layers", std::make_pair(c.num_hidden_layers, 1 << 16)),
                  std::make_pair("num_attention_heads", std::make_pair(c.num_attention_heads, 1 << 16)),
                  std::make_pair("head_dim", std::make_pair(c.head_dim, 1 << 16))})
    TF_CHECK(kv.second.first <= kv.second.second, source + ": " + kv.first + " = " + std::to_string(kv.second.first) +
                                                      " is implausibly large (limit " + std::to_string(kv.second.second) + ")");
  TF_CHECK((long long)c.num_attention_heads * c.head_dim <= (1 << 20),
           source + ": num_attention_heads * head_dim is implausibly large");

  c.max_position_embeddings = get_int(j, "max_position_embeddings", default_max_positions(c.architecture), source);
  TF_CHECK(c.max_position_embeddings > 0, source + ": max_position_embeddings must be positive");
  if (smollm3) parse_smollm3(j, source, c);  // before the windows: its sliding layers default to the NoPE ones
  if (exaone4) parse_exaone4(j, source, c);
  if (olmo2) refuse_dropout(j, source, "attention_dropout", olmo3 ? "OLMo 3" : "OLMo 2");
  if (!gemma) parse_windows(j, source, c);
  // Olmo2Config's, Exaone4Config's and Ministral3Config's default is 1e-5, Glm4Config's 1.5625e-07.
  c.rms_norm_eps = get_double(j, "rms_norm_eps", olmo2 || exaone4 || ministral3 ? 1e-5 : glm4 ? 1.5625e-07 : 1e-6, source);
  TF_CHECK(c.rms_norm_eps > 0 && std::isfinite(c.rms_norm_eps), source + ": rms_norm_eps must be positive");
  if (gemma) {
    parse_gemma(j, source, c);
  } else {
    if (phi3) refuse_phi3_differences(j, source);
    if (ministral3)
      parse_ministral3_rope(j, source, c);
    else
      parse_rope(j, source, c);
    if (phi3) parse_phi3_rope(j, source, c);
    if (granite) parse_granite(j, source, c);
    if (glm4) parse_glm4(j, source, c);
    // OLMo 3 scales RoPE (yarn) on its full-attention layers only: the sliding ones rotate with rope_theta unscaled.
    if (olmo3 && !c.rope_scaling.type.empty() && !c.layer_sliding.empty()) c.rope_local_theta = c.rope_theta;
  }

  c.tie_word_embeddings = gemma || smollm3;  // the Gemma configs and SmolLM3Config tie by default, the others do not
  if (const Json* v = present(j, "tie_word_embeddings")) c.tie_word_embeddings = v->as_bool(source + ": tie_word_embeddings");
  // Qwen2 always has q/k/v bias; Llama and Qwen3 have it only with attention_bias (which also adds an o_proj bias
  // there).
  if (c.architecture == "Qwen2ForCausalLM") {
    c.attention_bias = true;
  } else if (glm4) {
    // Glm4Config: q/k/v biases unless attention_bias says not; o_proj never has one.
    const Json* v = present(j, "attention_bias");
    c.attention_bias = !v || v->as_bool(source + ": attention_bias");
  } else if (const Json* v = present(j, "attention_bias")) {
    c.attention_bias = v->as_bool(source + ": attention_bias");
    TF_CHECK(!c.attention_bias, source + ": attention_bias = true (with an o_proj bias) is not supported");
  }
  if (const Json* v = present(j, "mlp_bias"))
    TF_CHECK(!v->as_bool(source + ": mlp_bias"), source + ": mlp_bias = true is not supported");
  if (const Json* v = present(j, "hidden_act"); v && !gemma) {
    const std::string& act = v->as_string(source + ": hidden_act");
    TF_CHECK(act == "silu" || act == "swish", source + ": hidden_act \"" + act + "\" is not supported (only silu)");
  }

  c.bos_token_id = get_int(j, "bos_token_id", -1, source);
  if (const Json* e = present(j, "eos_token_id")) {
    if (e->is_array()) {
      for (const Json& x : e->as_array()) c.eos_token_ids.push_back(int(x.as_int(source + ": eos_token_id")));
    } else {
      c.eos_token_ids.push_back(int(e->as_int(source + ": eos_token_id")));
    }
  }
  const Json* dt = present(j, "torch_dtype");
  if (!dt) dt = present(j, "dtype");  // newer transformers write "dtype"
  if (dt) c.torch_dtype = dt->as_string(source + ": torch_dtype");
  return c;
}

ModelConfig parse_model_config_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  TF_CHECK(f, "cannot read " + path + ": " + std::strerror(errno) + " (a Hugging Face model folder has a config.json)");
  std::ostringstream text;
  text << f.rdbuf();
  return parse_model_config(text.str(), path);
}

long long matmul_param_count(const ModelConfig& c) {
  const long long H = c.hidden_size, I = c.intermediate_size, hd = c.head_dim;
  const long long q = H * c.num_attention_heads * hd, kv = H * c.num_key_value_heads * hd;
  const long long per_layer = q + 2 * kv + q /* o_proj */ + 3 * H * I;
  // LFM2's conv layers: in_proj [3H, H] and out_proj [H, H] in place of q, k, v and o (the convolution's H·kernel
  // weights are not a matmul).
  const long long conv_layers = std::count(c.layer_conv.begin(), c.layer_conv.end(), 1);
  const long long conv_per_layer = 4 * H * H + 3 * H * I;
  return per_layer * (c.num_hidden_layers - conv_layers) + conv_per_layer * conv_layers +
         (long long)c.vocab_size * H;  // + lm_head (also when tied)
}

}  // namespace tf
