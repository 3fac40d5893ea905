// config.json of Liquid AI's LFM2 (Lfm2ForCausalLM), read as transformers' Lfm2Config does: the original
// checkpoints' keys (block_ff_dim and its adjustment, norm_eps, theta, tie_embedding), layer_types or full_attn_idxs,
// and its defaults.
#include <string>

#include "harness.h"
#include "io/config.h"

using namespace tf;

// LFM2-1.2B's config.json (the block_* / conv_* keys transformers ignores shortened).
const char* const kLfm2_1_2b = R"({
  "architectures": ["Lfm2ForCausalLM"], "block_auto_adjust_ff_dim": true, "block_dim": 2048, "block_ff_dim": 12288,
  "block_ffn_dim_multiplier": 1.0, "block_multiple_of": 256, "block_norm_eps": 1e-05, "bos_token_id": 1,
  "conv_L_cache": 3, "conv_bias": false, "conv_dim": 2048, "eos_token_id": 7, "hidden_size": 2048,
  "initializer_range": 0.02, "layer_types": ["conv", "conv", "full_attention", "conv", "conv", "full_attention", "conv",
  "conv", "full_attention", "conv", "full_attention", "conv", "full_attention", "conv", "full_attention", "conv"],
  "max_position_embeddings": 128000, "model_type": "lfm2", "norm_eps": 1e-05, "num_attention_heads": 32,
  "num_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8, "pad_token_id": 0, "rope_theta": 1000000.0,
  "theta": 1000000.0, "tie_embedding": true, "torch_dtype": "bfloat16", "use_cache": true, "vocab_size": 65536})";

TEST(config_lfm2_1_2b_as_published) {
  const ModelConfig c = parse_model_config(kLfm2_1_2b, "lfm2/config.json");
  CHECK_EQ(c.architecture, std::string("Lfm2ForCausalLM"));
  CHECK_EQ(c.model_type, std::string("lfm2"));
  CHECK_EQ(c.intermediate_size, 8192);  // int(2 · 12288 / 3) = 8192, already a multiple of 256
  CHECK_EQ(c.head_dim, 64);
  CHECK_EQ(c.num_key_value_heads, 8);
  CHECK_EQ(c.max_position_embeddings, 128000);
  CHECK(c.rms_norm_eps == 1e-5 && c.rope_theta == 1e6 && c.rope_scaling.type.empty());
  CHECK(c.qk_norm && !c.qk_norm_whole && c.input_norms && !c.sandwich_norms && c.tie_word_embeddings);
  CHECK_EQ(c.conv_kernel, 3);
  REQUIRE(c.layer_conv.size() == 16u);
  std::string attention;
  for (int l = 0; l < 16; ++l)
    if (!c.layer_conv[l]) attention += std::to_string(l) + " ";
  CHECK_EQ(attention, std::string("2 5 8 10 12 14 "));
  CHECK(c.eos_token_ids == std::vector<int>{7});
  CHECK_EQ(c.torch_dtype, std::string("bfloat16"));
  // Its 1,170,340,608 parameters less the embedding's counted apart, the norms and the convolutions' 10·2048·3: six
  // attention layers of 2048·(2048 + 2·512 + 2048), ten conv layers of 4·2048², sixteen MLPs of 3·2048·8192, lm_head.
  CHECK_EQ(matmul_param_count(c), 6LL * 2048 * 5120 + 10LL * 4 * 2048 * 2048 + 16LL * 3 * 2048 * 8192 + 65536LL * 2048);
}

TEST(config_lfm2_defaults_and_alternatives) {
  // Lfm2Config's defaults: 2560 wide, 32 layers all attention (no layer_types, no full_attn_idxs), intermediate
  // 12288 adjusted to 8192, vocabulary 65536, tied, theta 1e6.
  const ModelConfig d = parse_model_config(R"({"model_type": "lfm2"})", "d.json");
  CHECK(d.hidden_size == 2560 && d.num_hidden_layers == 32 && d.num_attention_heads == 32 && d.vocab_size == 65536);
  CHECK(d.intermediate_size == 8192 && d.tie_word_embeddings && d.rope_theta == 1e6 && d.rms_norm_eps == 1e-5);
  CHECK(d.layer_conv == std::vector<char>(32, 0));
  // full_attn_idxs marks the attention layers, the rest convolve.
  const ModelConfig f = parse_model_config(R"({"architectures": ["Lfm2ForCausalLM"], "num_hidden_layers": 4,
    "full_attn_idxs": [1, 3], "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2})", "f.json");
  CHECK(f.layer_conv == std::vector<char>({1, 0, 1, 0}));
  // No adjustment: intermediate_size as given; a multiplier of 1.5 and rounding to 64; a null multiplier skips both.
  const std::string base = R"({"architectures": ["Lfm2ForCausalLM"], "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2, )";
  CHECK_EQ(parse_model_config(base + R"("intermediate_size": 100, "block_auto_adjust_ff_dim": false})", "a.json").intermediate_size, 100);
  CHECK_EQ(parse_model_config(base + R"("block_ff_dim": 300, "block_ffn_dim_multiplier": 1.5, "block_multiple_of": 64})",
                              "m.json").intermediate_size, 320);  // 200 · 1.5 = 300 → 320
  CHECK_EQ(parse_model_config(base + R"("block_ff_dim": 300, "block_ffn_dim_multiplier": null})", "n.json").intermediate_size, 200);
  // transformers 5's rope_parameters, per layer type or not; tie_embedding false unties.
  const ModelConfig r = parse_model_config(base + R"("rope_parameters": {"full_attention": {"rope_type": "default",
    "rope_theta": 500000.0}, "conv": null}, "tie_embedding": false})", "r.json");
  CHECK(r.rope_theta == 500000.0 && !r.tie_word_embeddings);
  CHECK(parse_model_config(base + R"("rope_parameters": {"rope_type": "default", "rope_theta": 250000.0}})", "p.json").rope_theta == 250000.0);
}

TEST(config_lfm2_refusals_name_the_key) {
  const std::string base = R"({"architectures": ["Lfm2ForCausalLM"], "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 2, )";
  CHECK_THROWS(parse_model_config(base + R"("conv_bias": true})", "b.json"), "b.json: conv_bias = true");
  CHECK_THROWS(parse_model_config(base + R"("conv_L_cache": 0})", "k.json"), "k.json: conv_L_cache must be in [1, 64], got 0");
  CHECK_THROWS(parse_model_config(base + R"("layer_types": ["conv"]})", "n.json"),
               "n.json: layer_types lists 1 layers, num_hidden_layers is 2");
  CHECK_THROWS(parse_model_config(base + R"("layer_types": ["conv", "sliding_attention"]})", "s.json"),
               "s.json: layer_types[1] is \"sliding_attention\" (LFM2's are conv and full_attention)");
  CHECK_THROWS(parse_model_config(base + R"("full_attn_idxs": [2]})", "i.json"), "i.json: full_attn_idxs has 2, outside the 2 layers");
  CHECK_THROWS(parse_model_config(base + R"("quantization_config": {"quant_method": "gptq"}})", "q.json"),
               "quant_method \"gptq\"");
}

// LFM2-VL-1.6B's config.json as published (its vision and projector keys shortened): the decoder is text_config, an
// Lfm2Config under LFM2's module names; the token ids and dtype come from outside when text_config lacks them.
TEST(config_lfm2_vl_reads_its_text_config) {
  const char* const vl = R"({
    "architectures": ["Lfm2VlForConditionalGeneration"], "model_type": "lfm2-vl", "downsample_factor": 2,
    "image_token_index": 396, "projector_hidden_size": 2560, "eos_token_id": 7, "torch_dtype": "bfloat16",
    "text_config": {"model_type": "lfm2", "block_auto_adjust_ff_dim": true, "block_ff_dim": 12288, "block_multiple_of": 256,
      "block_ffn_dim_multiplier": 1.0, "conv_L_cache": 3, "hidden_size": 2048, "num_hidden_layers": 16,
      "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 65536, "norm_eps": 1e-05, "rope_theta": 1000000.0,
      "full_attn_idxs": [2, 5, 8, 10, 12, 14]},
    "vision_config": {"model_type": "siglip2_vision_model", "hidden_size": 1152, "num_hidden_layers": 27}})";
  const ModelConfig c = parse_model_config(vl, "lfm2-vl/config.json");
  CHECK_EQ(c.architecture, std::string("Lfm2VlForConditionalGeneration"));
  CHECK_EQ(c.model_type, std::string("lfm2"));  // LFM2's module names and layers
  CHECK(c.hidden_size == 2048 && c.intermediate_size == 8192 && c.num_hidden_layers == 16 && c.head_dim == 64);
  CHECK(c.qk_norm && c.tie_word_embeddings && c.conv_kernel == 3);
  CHECK_EQ(c.conv_layer_count(), 10);
  CHECK(!c.convolves(2) && c.convolves(3));
  CHECK(c.eos_token_ids == std::vector<int>{7});
  CHECK_EQ(c.torch_dtype, std::string("bfloat16"));
  // model_type alone names the class too; a text_config of another kind is refused by name.
  std::string by_type = vl;
  by_type.replace(by_type.find(R"("architectures": ["Lfm2VlForConditionalGeneration"], )"), 53, "");
  CHECK_EQ(parse_model_config(by_type, "t").architecture, std::string("Lfm2VlForConditionalGeneration"));
  std::string moe = vl;
  moe.replace(moe.find(R"("model_type": "lfm2", )"), 22, R"("model_type": "lfm2_moe", )");
  CHECK_THROWS(parse_model_config(moe, "t"), "text_config.model_type \"lfm2_moe\" is not supported (lfm2");
  CHECK_THROWS(parse_model_config(R"({"architectures": ["Lfm2VlForConditionalGeneration"]})", "t"),
               "Lfm2VlForConditionalGeneration without a text_config");
}
