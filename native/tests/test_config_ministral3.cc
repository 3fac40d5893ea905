// config.json of Mistral AI's current checkpoints, read as transformers does: Ministral 3 (Ministral3Config: Mistral's
// layer, yarn RoPE, a query temperature by position from llama_4_scaling_beta) and the image-text
// Mistral3ForConditionalGeneration it and Mistral Small 3.1 / 3.2 are published as (Mistral3Config: the decoder is
// text_config, a Ministral3Config or a MistralConfig).
#include <string>

#include "harness.h"
#include "io/config.h"
#include "test_config_util.h"

using namespace tf;

// Ministral-3-8B-Base-2512's config.json as published (its vision_config shortened).
const char* const kMinistral3_8b = R"({
  "architectures": ["Mistral3ForConditionalGeneration"], "image_token_index": 10, "model_type": "mistral3",
  "multimodal_projector_bias": false, "projector_hidden_act": "gelu", "spatial_merge_size": 2,
  "text_config": {"attention_dropout": 0.0, "head_dim": 128, "hidden_act": "silu", "hidden_size": 4096,
    "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 262144, "model_type": "ministral3",
    "num_attention_heads": 32, "num_hidden_layers": 34, "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
    "rope_parameters": {"beta_fast": 32.0, "beta_slow": 1.0, "factor": 16.0, "llama_4_scaling_beta": 0.1,
      "mscale": 1.0, "mscale_all_dim": 1.0, "original_max_position_embeddings": 16384, "rope_theta": 1000000.0,
      "rope_type": "yarn", "type": "yarn"},
    "sliding_window": null, "tie_word_embeddings": false, "use_cache": true, "vocab_size": 131072},
  "torch_dtype": "bfloat16", "transformers_version": "5.0.0.dev0", "vision_feature_layer": -1,
  "vision_config": {"model_type": "pixtral", "hidden_size": 1024, "num_hidden_layers": 24, "patch_size": 14}})";

TEST(config_ministral3_image_text_checkpoint_reads_its_decoder) {
  const ModelConfig c = parse_model_config(kMinistral3_8b, "ministral3/config.json");
  CHECK_EQ(c.architecture, std::string("Mistral3ForConditionalGeneration"));
  CHECK_EQ(c.model_type, std::string("mistral3"));
  CHECK_EQ(c.hidden_size, 4096);
  CHECK_EQ(c.num_hidden_layers, 34);
  CHECK_EQ(c.head_dim, 128);
  CHECK_EQ(c.vocab_size, 131072);
  CHECK_EQ(c.max_position_embeddings, 262144);
  CHECK_EQ(c.rms_norm_eps, 1e-5);
  CHECK(!c.tie_word_embeddings && !c.qk_norm && c.input_norms && !c.sandwich_norms);
  CHECK_EQ(c.torch_dtype, std::string("bfloat16"));  // from the outer config
  CHECK(c.layer_sliding.empty() && c.sliding_window == 0);  // sliding_window null: full attention everywhere
  CHECK_EQ(c.rope_theta, 1000000.0);
  CHECK_EQ(c.rope_scaling.type, std::string("yarn"));
  CHECK_EQ(c.rope_scaling.factor, 16.0);
  CHECK_EQ(c.rope_scaling.original_max_position_embeddings, 16384);
  CHECK_EQ(c.rope_scaling.attention_factor, 1.0);  // mscale / mscale_all_dim, both 1
  CHECK_EQ(c.q_temperature_beta, 0.1);
  CHECK_EQ(c.q_temperature_interval, 16384);
}

TEST(config_ministral3_defaults_and_refusals) {
  // Ministral3Config's defaults: its rope_parameters when none is given, head_dim 128, eps 1e-5, 262144 positions.
  const ModelConfig d = parse_model_config(R"({"model_type": "ministral3", "vocab_size": 100, "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4})", "d.json");
  CHECK_EQ(d.architecture, std::string("Ministral3ForCausalLM"));
  CHECK_EQ(d.head_dim, 128);
  CHECK_EQ(d.rms_norm_eps, 1e-5);
  CHECK_EQ(d.max_position_embeddings, 262144);
  CHECK_EQ(d.rope_theta, 1000000.0);
  CHECK(d.rope_scaling.type == "yarn" && d.rope_scaling.factor == 16.0 && d.rope_scaling.attention_factor == 1.0);
  CHECK(d.q_temperature_beta == 0.1 && d.q_temperature_interval == 16384);
  CHECK(!d.tie_word_embeddings && d.layer_sliding.empty());
  // A window applies to every layer, as Mistral's.
  const ModelConfig w = parse_model_config(minimal(R"("sliding_window": 8, "max_position_embeddings": 64)", "Ministral3ForCausalLM"), "w.json");
  CHECK(w.sliding_window == 8 && w.layer_sliding == (std::vector<char>{1, 1}));
  // transformers reads the temperature's two keys without a default: a rope_parameters without them fails there.
  CHECK_THROWS(parse_model_config(minimal(R"("rope_parameters": {"rope_type": "yarn", "factor": 4.0, "rope_theta": 1e6,
      "original_max_position_embeddings": 16})", "Ministral3ForCausalLM"), "n.json"),
               "n.json: rope_parameters needs llama_4_scaling_beta and original_max_position_embeddings");
  CHECK_THROWS(parse_model_config(minimal(R"("rope_parameters": {"rope_type": "default", "rope_theta": 1e6,
      "llama_4_scaling_beta": 0.1, "original_max_position_embeddings": 0})", "Ministral3ForCausalLM"), "z.json"),
               "original_max_position_embeddings must be positive");
}

TEST(config_mistral3_with_a_mistral_decoder) {
  // Mistral-Small-3.1-24B's text_config (a MistralConfig): its RoPE as given, no window, no query temperature.
  const ModelConfig s = parse_model_config(R"({"architectures": ["Mistral3ForConditionalGeneration"],
      "model_type": "mistral3", "torch_dtype": "bfloat16", "text_config": {"head_dim": 128, "hidden_size": 5120,
      "intermediate_size": 32768, "max_position_embeddings": 131072, "model_type": "mistral", "num_attention_heads": 32,
      "num_hidden_layers": 40, "num_key_value_heads": 8, "rms_norm_eps": 1e-05, "rope_theta": 1000000000.0,
      "sliding_window": null, "vocab_size": 131072}, "vision_config": {"model_type": "pixtral"}})", "s.json");
  CHECK_EQ(s.architecture, std::string("Mistral3ForConditionalGeneration"));
  CHECK(s.hidden_size == 5120 && s.num_hidden_layers == 40 && s.rope_theta == 1e9);
  CHECK(s.rope_scaling.type.empty() && s.q_temperature_beta == 0 && s.layer_sliding.empty());
  // text_config's model_type defaults to mistral, with MistralConfig's sizes and window (4096 when the key is absent).
  const ModelConfig m = parse_model_config(R"({"model_type": "mistral3", "text_config": {"hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2}})", "m.json");
  CHECK(m.vocab_size == 32000 && m.sliding_window == 4096 && m.max_position_embeddings == 131072);
  CHECK_THROWS(parse_model_config(R"({"model_type": "mistral3", "text_config": {"model_type": "llama"}})", "l.json"),
               "l.json: text_config.model_type \"llama\" is not supported (ministral3, mistral)");
  CHECK_THROWS(parse_model_config(R"({"architectures": ["Mistral3ForConditionalGeneration"]})", "t.json"),
               "t.json: Mistral3ForConditionalGeneration without a text_config");
}

// Ministral 3's instruct releases store FP8 weights (quantization_config); the trainer reads bf16/fp16/fp32 only.
TEST(config_prequantized_checkpoints_are_refused_by_name) {
  CHECK_THROWS(parse_model_config(R"({"architectures": ["Mistral3ForConditionalGeneration"], "model_type": "mistral3",
      "quantization_config": {"activation_scheme": "static", "quant_method": "fp8", "weight_block_size": null},
      "text_config": {"model_type": "ministral3"}})", "fp8.json"),
               "fp8.json: quantization_config (quant_method \"fp8\") says the weights are stored pre-quantized");
  CHECK_THROWS(parse_model_config(minimal(R"("quantization_config": {"load_in_4bit": true, "quant_method": "bitsandbytes"})"), "bnb.json"),
               "use the model's BF16 (or FP16/FP32) release");
}
