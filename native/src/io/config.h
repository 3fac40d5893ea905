#pragma once
// config.json of the Llama family (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM;
// SmolLM2 is Llama with tied embeddings; Phi3ForCausalLM, Phi-3 and Phi-4, is Llama with fused projections;
// GraniteForCausalLM, IBM's Granite 3, is Llama with four scalar multipliers; SmolLM3ForCausalLM is Llama with RoPE
// left out on every fourth layer; Olmo2ForCausalLM, AI2's OLMo 2, normalizes each sublayer's output instead of its
// input, and q and k across all heads; Olmo3ForCausalLM, OLMo 3, is OLMo 2 with three sliding-window layers in four
// and its RoPE scaling on the full-attention layers only), Gemma 2 (Gemma2ForCausalLM) and Gemma 3's text model (Gemma3ForCausalLM, or
// the decoder of Gemma3ForConditionalGeneration), which are the same decoder with the differences listed in
// ModelConfig's Gemma fields; Glm4ForCausalLM (GLM-4-0414) is Llama with output norms after each sublayer, a fused
// gate_up_proj and interleaved partial RoPE; Exaone4ForCausalLM (EXAONE 4.0) is OLMo 2's sublayers with per-head q/k
// norms, three sliding layers in four and RoPE on those only; Ministral3ForCausalLM (Ministral 3) is Mistral's layer with
// yarn and a query temperature by position, also the decoder of Mistral3ForConditionalGeneration (Ministral 3, Mistral
// Small 3.x; config_mistral.cc); Lfm2ForCausalLM (LFM2) mixes Qwen3-like attention layers with gated short-convolution
// ones (config_lfm2.cc). Anything else fails with the list of supported architectures.
#include <string>
#include <vector>

namespace tf {

struct RopeScaling {
  std::string type;  // "" (none), "llama3", "linear" (positions divided by factor), "yarn" or "longrope" (Phi-3)
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int original_max_position_embeddings = 8192;
  // longrope (Phi-3-mini-128k, Phi-3.5-mini, Phi-4-mini): each frequency divided by its short factor in a forward
  // pass whose positions stay below original_max_position_embeddings, by its long factor in one that reaches it or
  // beyond (the whole pass, as transformers switches), and the rotated values scaled by attention_factor (given, or
  // sqrt(1 + ln(max / original) / ln(original))).
  std::vector<double> short_factor, long_factor;
  double attention_factor = 1.0;
  // yarn (Qwen2.5 and Qwen3 past their native context, OLMo 3's full-attention layers, ...): each frequency kept where
  // it turns beta_fast times or more over original_max_position_embeddings, divided by factor where it turns
  // beta_slow times or fewer, blended linearly in the pair index between (the bounds rounded outwards unless
  // truncate is false); the rotated values scaled by attention_factor (given, or 0.1 ln(factor) + 1, or DeepSeek's
  // mscale ratio), as transformers' _compute_yarn_parameters. original_max_position_embeddings defaults to the
  // config's max_position_embeddings there.
  double beta_fast = 32, beta_slow = 1;
  bool truncate = true;
  bool operator==(const RopeScaling& o) const {
    return type == o.type && factor == o.factor && low_freq_factor == o.low_freq_factor &&
           high_freq_factor == o.high_freq_factor && original_max_position_embeddings == o.original_max_position_embeddings &&
           short_factor == o.short_factor && long_factor == o.long_factor && attention_factor == o.attention_factor &&
           beta_fast == o.beta_fast && beta_slow == o.beta_slow && truncate == o.truncate;
  }
};

// Phi-3 / Phi-4 (Phi3ForCausalLM): q, k and v in one self_attn.qkv_proj ([q; k; v] rows), and the MLP's gate and up
// in one mlp.gate_up_proj ([gate; up] rows). GLM-4 (Glm4ForCausalLM) has the gate_up_proj alone.
struct Fusion {
  bool qkv = false;
  bool gate_up = false;
  bool any() const { return qkv || gate_up; }
};

struct ModelConfig {
  std::string architecture;  // e.g. "LlamaForCausalLM"
  std::string model_type;    // "llama" | "mistral" | "qwen2" | "qwen3" | "phi3" | "granite" | "smollm3" | "olmo2" | "olmo3" | "gemma2" | "gemma3_text" | "glm4" | "exaone4" | "ministral3" | "mistral3" | "lfm2"
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
  // Projections stored as one linear layer (the same maths; LoRA adapts the fused modules): Phi-3 / Phi-4 fuse both,
  // GLM-4 only gate_up_proj.
  Fusion fused;
  // RoPE on the first partial_rotary_factor · head_dim dimensions of each head, the rest passed through (Phi-4-mini:
  // 0.75); 1 elsewhere.
  double partial_rotary_factor = 1.0;
  // GLM-4: RoPE rotates interleaved pairs (values 2i and 2i + 1 of a head) instead of rotate-half's (i, i + d/2).
  bool rope_interleaved = false;
  // Whether each layer applies RoPE (SmolLM3's "no_rope_layers": 1 = RoPE, 0 = none, "NoPE"; EXAONE 4.0's sliding
  // layers only); empty = every layer.
  std::vector<char> layer_rope;
  // Granite (GraniteForCausalLM): Llama with four multipliers, each 1 elsewhere (granite-3.3-8b: 12, 1/128, 0.22, 16).
  double embedding_multiplier = 1.0;  // the embedding's output is multiplied by it
  double attention_multiplier = 0;    // the scores' scale, in place of head_dim^-0.5 (0 = head_dim^-0.5)
  double residual_multiplier = 1.0;   // each sublayer's output is multiplied by it before its residual add
  double logits_scaling = 1.0;        // the logits are divided by it
  // Gemma 2 and Gemma 3. Each is the Llama behaviour at its default.
  bool norm_plus_one = false;   // every RMSNorm scales by (1 + weight): the files store scale − 1
  bool embed_scaled = false;    // the embedding is multiplied by sqrt(hidden_size), rounded to the weights' dtype
  bool sandwich_norms = false;  // post_attention_layernorm normalizes the attention's output before its residual
                                // add, pre/post_feedforward_layernorm the MLP's input and output
  // OLMo 2: the sublayers' inputs are not normalized (no input_layernorm, no pre_feedforward_layernorm; its
  // post_attention_layernorm and post_feedforward_layernorm are the output norms, sandwich_norms), and q_norm / k_norm
  // normalize all of q [nh·hd] and of k [nkv·hd] at once rather than each head.
  bool input_norms = true;
  bool qk_norm_whole = false;
  std::string hidden_act = "silu";  // or "gelu_pytorch_tanh": the MLP's gate activation
  double query_pre_attn_scalar = 0;  // scores are scaled by query_pre_attn_scalar^-0.5; 0 = head_dim
  // Gemma 2's soft caps (0 = none): each scaled score becomes cap·tanh(score / cap) before the mask and softmax, and
  // each logit cap·tanh(logit / cap) before the loss, the log-probabilities and sampling.
  double attn_logit_softcapping = 0;
  double final_logit_softcapping = 0;
  // Sliding-window attention computed as such (a query sees the last sliding_window keys, itself included, on the
  // layers marked here): Gemma 2's and Gemma 3's sliding layers, Mistral's and Phi-3's every layer, Qwen2's and Qwen3's (with
  // use_sliding_window) from max_window_layers on. A window on an architecture transformers does not window caps
  // max_position_embeddings instead, below which it changes nothing.
  int sliding_window = 0;
  std::vector<char> layer_sliding;  // per layer; empty = none
  double rope_local_theta = 0;      // the sliding layers' RoPE base, without scaling (0 = rope_theta, scaled):
                                    // Gemma 3's rope_local_base_freq, OLMo 3's rope_theta when it scales RoPE
  // Ministral 3 (rope_parameters' llama_4_scaling_beta and original_max_position_embeddings): each query, after RoPE,
  // multiplied by 1 + beta · ln(1 + floor(position / interval)), transformers' _get_llama_4_attn_scale: 1 within the
  // original context, then growing with the log of how many contexts lie before the token. beta 0: none.
  double q_temperature_beta = 0;
  int q_temperature_interval = 0;
  // LFM2 (Lfm2ForCausalLM): the layers whose operator is a gated short convolution instead of attention (1 = conv;
  // empty = none), over conv_kernel positions (conv_L_cache): y = C · conv(B · x) with B, C, x = in_proj(n1) in
  // thirds, each channel convolved causally with its own conv_kernel weights, then out_proj(y).
  std::vector<char> layer_conv;
  int conv_kernel = 0;
  bool convolves(int layer) const { return !layer_conv.empty() && layer_conv[size_t(layer)]; }
  int conv_layer_count() const;
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
