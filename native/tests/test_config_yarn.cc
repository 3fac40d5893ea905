// config.json's yarn RoPE scaling, as transformers' _compute_yarn_parameters reads it: Qwen3's documented long-context
// setting, the fields' defaults (original context, attention factor, betas), DeepSeek's mscale ratio, transformers
// 5.x's rope_parameters form, and what is refused by name.
#include <cmath>
#include <string>

#include "harness.h"
#include "io/config.h"
#include "test_config_util.h"

using namespace tf;

// Qwen3-8B's config.json (trimmed to the fields read) with the rope_scaling Qwen's model card gives for 131072 tokens.
const char* const kQwen3Yarn = R"({
  "architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 151643,
  "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu", "hidden_size": 4096, "intermediate_size": 12288,
  "max_position_embeddings": 40960, "max_window_layers": 36, "model_type": "qwen3", "num_attention_heads": 32,
  "num_hidden_layers": 36, "num_key_value_heads": 8, "rms_norm_eps": 1e-06, "rope_theta": 1000000,
  "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768},
  "sliding_window": null, "tie_word_embeddings": false, "torch_dtype": "bfloat16", "use_sliding_window": false,
  "vocab_size": 151936})";

TEST(config_qwen3_yarn_long_context) {
  const ModelConfig c = parse_model_config(kQwen3Yarn, "qwen3-8b/config.json");
  CHECK_EQ(c.rope_scaling.type, std::string("yarn"));
  CHECK_EQ(c.rope_scaling.factor, 4.0);
  CHECK_EQ(c.rope_scaling.original_max_position_embeddings, 32768);
  CHECK_NEAR(c.rope_scaling.attention_factor, 0.1 * std::log(4.0) + 1, 1e-15);  // 1.1386
  CHECK_EQ(c.rope_scaling.beta_fast, 32.0);
  CHECK_EQ(c.rope_scaling.beta_slow, 1.0);
  CHECK(c.rope_scaling.truncate);
  CHECK_EQ(c.rope_theta, 1000000.0);
  CHECK_EQ(c.max_position_embeddings, 40960);  // yarn caps nothing: the whole context trains
  // The same under transformers 5.x's rope_parameters, alone or next to agreeing 4.x keys.
  const std::string yarn5 = R"("max_position_embeddings": 131072, "rope_parameters": {"rope_type": "yarn",
      "rope_theta": 1000000.0, "factor": 4.0, "original_max_position_embeddings": 32768})";
  const ModelConfig c5 = parse_model_config(minimal(yarn5), "m.json");
  CHECK(c5.rope_scaling == c.rope_scaling);
  CHECK_EQ(c5.rope_theta, 1000000.0);
  CHECK(parse_model_config(minimal(yarn5 + R"(, "rope_scaling": {"type": "yarn", "factor": 4, "original_max_position_embeddings": 32768})"),
                           "m.json").rope_scaling == c.rope_scaling);
  // Disagreeing forms name both readings.
  CHECK_THROWS(parse_model_config(minimal(yarn5 + R"(, "rope_scaling": {"type": "yarn", "factor": 2})"), "m.json"),
               "and the top-level keys (rope_scaling: yarn scaling (factor 2, attention_factor 1.06931, beta_fast 32, "
               "beta_slow 1)) disagree");
  CHECK_THROWS(parse_model_config(minimal(yarn5 + R"(, "rope_scaling": {"type": "yarn", "factor": 4, "original_max_position_embeddings": 8192})"), "m.json"),
               "m.json: rope_parameters (rope_theta 1000000, yarn scaling (factor 4, original_max_position_embeddings 32768, "
               "attention_factor 1.13863, beta_fast 32, beta_slow 1)) and the top-level keys (rope_scaling: yarn scaling "
               "(factor 4, original_max_position_embeddings 8192, attention_factor 1.13863, beta_fast 32, beta_slow 1)) disagree");
}

// Without original_max_position_embeddings the turns are counted over max_position_embeddings; the attention factor
// and the betas take their defaults when absent, null or 0, as transformers' `get(...) or default`.
TEST(config_yarn_defaults_and_given_fields) {
  const ModelConfig d = parse_model_config(
      minimal(R"("max_position_embeddings": 8192, "rope_scaling": {"rope_type": "yarn", "factor": 2.0, "beta_fast": 0, "beta_slow": null})"), "m.json");
  CHECK_EQ(d.rope_scaling.original_max_position_embeddings, 8192);
  CHECK_NEAR(d.rope_scaling.attention_factor, 0.1 * std::log(2.0) + 1, 1e-15);
  CHECK_EQ(d.rope_scaling.beta_fast, 32.0);
  CHECK_EQ(d.rope_scaling.beta_slow, 1.0);
  // Llama's default context (2048) when the config gives none.
  CHECK_EQ(parse_model_config(minimal(R"("rope_scaling": {"rope_type": "yarn", "factor": 2.0})"), "m.json")
               .rope_scaling.original_max_position_embeddings, 2048);
  // A factor of 1 scales nothing: attention factor 1.
  CHECK_EQ(parse_model_config(minimal(R"("rope_scaling": {"rope_type": "yarn", "factor": 1})"), "m.json").rope_scaling.attention_factor, 1.0);
  // Given fields as given (gpt-oss writes truncate false; OLMo 3 its attention factor).
  const ModelConfig g = parse_model_config(minimal(R"("rope_scaling": {"rope_type": "yarn", "factor": 8.0,
      "original_max_position_embeddings": 8192, "attention_factor": 1.2079441541679836, "beta_fast": 16, "beta_slow": 2,
      "truncate": false})"), "m.json");
  CHECK_EQ(g.rope_scaling.attention_factor, 1.2079441541679836);
  CHECK_EQ(g.rope_scaling.beta_fast, 16.0);
  CHECK_EQ(g.rope_scaling.beta_slow, 2.0);
  CHECK(!g.rope_scaling.truncate);
  // DeepSeek's mscale and mscale_all_dim (both non-zero): the ratio of 0.1·m·ln(factor) + 1 at each.
  auto ms = [](double m) { return 0.1 * m * std::log(40.0) + 1; };
  const ModelConfig m = parse_model_config(minimal(R"("rope_scaling": {"rope_type": "yarn", "factor": 40,
      "mscale": 0.707, "mscale_all_dim": 1.0, "original_max_position_embeddings": 4096})"), "m.json");
  CHECK_NEAR(m.rope_scaling.attention_factor, ms(0.707) / ms(1.0), 1e-15);
  // Only one of them: the plain formula.
  CHECK_NEAR(parse_model_config(minimal(R"("rope_scaling": {"rope_type": "yarn", "factor": 40, "mscale": 0.707})"), "m.json")
                 .rope_scaling.attention_factor, ms(1.0), 1e-15);
}

TEST(config_yarn_refusals) {
  CHECK_THROWS(parse_model_config(minimal(R"("rope_scaling": {"rope_type": "yarn"})"), "m.json"), "m.json: rope_scaling (yarn) has no factor");
  CHECK_THROWS(parse_model_config(minimal(R"("rope_scaling": {"rope_type": "yarn", "factor": 0.5})"), "m.json"), "rope_scaling.factor must be >= 1");
  CHECK_THROWS(parse_model_config(minimal(R"("rope_scaling": {"rope_type": "yarn", "factor": 2, "attention_factor": -1})"), "m.json"),
               "rope_scaling.attention_factor must be positive");
  CHECK_THROWS(parse_model_config(minimal(R"("rope_scaling": {"rope_type": "yarn", "factor": 2, "beta_fast": -4})"), "m.json"),
               "beta_fast and beta_slow must be positive");
  CHECK_THROWS(parse_model_config(minimal(R"("rope_scaling": {"rope_type": "yarn", "factor": 2, "original_max_position_embeddings": -1})"), "m.json"),
               "original_max_position_embeddings must be positive");
  CHECK_THROWS(parse_model_config(minimal(R"("rope_scaling": {"rope_type": "yarn", "factor": 2, "truncate": "no"})"), "m.json"),
               "rope_scaling.truncate");
}

// Gemma 3 scales its full-attention layers' RoPE only (the sliding ones rotate with rope_local_base_freq): yarn there
// too, its original context defaulting to max_position_embeddings as elsewhere.
TEST(config_gemma3_yarn_on_full_layers) {
  const ModelConfig g = parse_model_config(minimal(R"("max_position_embeddings": 32768, "rope_scaling": {"rope_type": "yarn", "factor": 8})",
                                                   "Gemma3ForCausalLM"), "g.json");
  CHECK_EQ(g.rope_scaling.type, std::string("yarn"));
  CHECK_EQ(g.rope_scaling.original_max_position_embeddings, 32768);
  CHECK_EQ(g.rope_local_theta, 10000.0);
}
