#pragma once
// config.json of the Llama family (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM;
// SmolLM2 is Llama with tied embeddings). Anything else fails with the list of supported architectures.
#include <string>
#include <vector>

namespace tf {

struct RopeScaling {
  std::string type;  // "" (none) or "llama3"
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int original_max_position_embeddings = 8192;
  bool operator==(const RopeScaling& o) const {
    return type == o.type && factor == o.factor && low_freq_factor == o.low_freq_factor &&
           high_freq_factor == o.high_freq_factor && original_max_position_embeddings == o.original_max_position_embeddings;
  }
};

struct ModelConfig {
  std::string architecture;  // e.g. "LlamaForCausalLM"
  std::string model_type;    // "llama" | "mistral" | "qwen2" | "qwen3"
  int vocab_size = 0;
  int hidden_size = 0;
  int intermediate_size = 0;
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int num_key_value_heads = 0;  // defaults to num_attention_heads
  int head_dim = 0;             // defaults to hidden_size / num_attention_heads
  int max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool attention_bias = false;  // q/k/v bias (always true for Qwen2)
  bool qk_norm = false;         // RMSNorm over each head of q and k before RoPE (Qwen3's q_norm / k_norm)
  int bos_token_id = -1;
  std::vector<int> eos_token_ids;  // eos_token_id may be an int or a list
  std::string torch_dtype;         // "bfloat16" | "float16" | "float32" | ""
};

extern const char* const kSupportedArchitectures[];  // null-terminated list, for error messages

ModelConfig parse_model_config_file(const std::string& config_json_path);
ModelConfig parse_model_config(const std::string& json_text, const std::string& source);

// Count of parameters in matmuls (q,k,v,o,gate,up,down per layer + lm_head), i.e. N_frozen of the
// FLOP accounting in reference/trainer.md; the input embedding is not counted.
long long matmul_param_count(const ModelConfig& c);

}  // namespace tf
