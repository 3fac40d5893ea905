// config.json of EXAONE 4.0 (Exaone4ForCausalLM), read as transformers' Exaone4Config and Exaone4Attention compute it:
// OLMo 2's sublayers with per-head q/k norms; three sliding layers in four (layer_types, or sliding_window_pattern);
// RoPE on the sliding layers only when there is a window ("global NoPE"), on every layer without one.
#include <string>
#include <vector>

#include "harness.h"
#include "io/config.h"
#include "test_config_util.h"

using namespace tf;

// An EXAONE-4.0-32B-like config (its layer shape and RoPE, 8 of its 64 layers).
const char* const kExaone4_32b = R"({
  "architectures": ["Exaone4ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 361,
  "head_dim": 128, "hidden_act": "silu", "hidden_size": 5120, "intermediate_size": 27392,
  "max_position_embeddings": 131072, "model_type": "exaone4", "num_attention_heads": 40, "num_hidden_layers": 8,
  "num_key_value_heads": 8, "pad_token_id": 0, "rms_norm_eps": 1e-05, "rope_theta": 1000000.0,
  "rope_scaling": {"factor": 16.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "sliding_window": 4096, "sliding_window_pattern": "LLLG",
  "layer_types": ["sliding_attention", "sliding_attention", "sliding_attention", "full_attention",
                  "sliding_attention", "sliding_attention", "sliding_attention", "full_attention"],
  "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 102400})";

TEST(config_exaone4_hybrid_attention_and_global_nope) {
  const ModelConfig c = parse_model_config(kExaone4_32b, "exaone4/config.json");
  CHECK_EQ(c.model_type, std::string("exaone4"));
  CHECK(c.qk_norm && !c.qk_norm_whole && c.sandwich_norms && !c.input_norms);
  CHECK_EQ(c.head_dim, 128);
  CHECK_EQ(c.sliding_window, 4096);
  const std::vector<char> kinds = {1, 1, 1, 0, 1, 1, 1, 0};
  CHECK(c.layer_sliding == kinds);
  CHECK(c.layer_rope == kinds);  // RoPE on the sliding layers only
  CHECK_EQ(c.max_position_embeddings, 131072);  // windows computed: the whole context trains
  CHECK_EQ(c.rope_scaling.type, std::string("llama3"));
  // Exaone4Config's defaults: every fourth layer full, a 4096-key window, eps 1e-5, untied, 2048 positions.
  const ModelConfig d = parse_model_config(R"({"model_type": "exaone4", "vocab_size": 100, "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 4, "num_attention_heads": 4})", "t.json");
  CHECK_EQ(d.architecture, std::string("Exaone4ForCausalLM"));
  CHECK(d.layer_rope == (std::vector<char>{1, 1, 1, 0}));
  CHECK(d.layer_sliding.empty());  // 4096 keys over 2048 positions: nothing to window, the NoPE layer stays
  CHECK_EQ(d.rms_norm_eps, 1e-5);
  CHECK(!d.tie_word_embeddings);
  // A numeric pattern without layer_types.
  const ModelConfig p = parse_model_config(minimal(R"("sliding_window": 8, "sliding_window_pattern": 2)", "Exaone4ForCausalLM"), "p.json");
  CHECK(p.layer_sliding == (std::vector<char>{1, 0}) && p.layer_rope == (std::vector<char>{1, 0}));
}

// EXAONE-4.0-1.2B-like: no window (sliding_window null), every layer global with RoPE; layer_types all full.
TEST(config_exaone4_without_a_window_rotates_every_layer) {
  const ModelConfig c = parse_model_config(minimal(R"("sliding_window": null, "tie_word_embeddings": true,
      "layer_types": ["full_attention", "full_attention"])", "Exaone4ForCausalLM"), "e.json");
  CHECK(c.layer_rope.empty() && c.layer_sliding.empty());
  // Even sliding layers rotate without a window (Exaone4Attention: sliding_window None means RoPE everywhere).
  const ModelConfig s = parse_model_config(minimal(R"("sliding_window": null, "layer_types": ["sliding_attention",
      "full_attention"])", "Exaone4ForCausalLM"), "s.json");
  CHECK(s.layer_rope.empty() && s.layer_sliding.empty());
  CHECK_THROWS(parse_model_config(minimal(R"("sliding_window_pattern": "LLLG")", "Exaone4ForCausalLM"), "l.json"),
               "l.json: sliding_window_pattern as a string needs layer_types as well");
  CHECK_THROWS(parse_model_config(minimal(R"("attention_dropout": 0.1)", "Exaone4ForCausalLM"), "a.json"),
               "the published EXAONE 4.0 checkpoints have it");
}
