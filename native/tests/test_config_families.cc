// config.json parsing of the families beyond Llama, Qwen and Gemma 3: Phi-3 / Phi-4 (fused projections, longrope,
// partial rotary), Granite's multipliers, SmolLM3's NoPE layers, OLMo 2's norms, OLMo 3's windows and per-layer RoPE,
// Gemma 2's soft caps and alternating windows; their published configs (trimmed to the fields read, plus a few
// ignored), their config classes' defaults, and what is refused by name.
#include <string>
#include <vector>

#include "harness.h"
#include "io/config.h"
#include "test_config_util.h"

using namespace tf;

// Phi-3-mini-4k-instruct and phi-4 as published: Phi3ForCausalLM, fused qkv_proj / gate_up_proj, a 2047-key window on
// the mini (which caps the context as Mistral's does), none on phi-4.
const char* const kPhi3Mini = R"({
  "architectures": ["Phi3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 1,
  "embd_pdrop": 0.0, "eos_token_id": 32000, "hidden_act": "silu", "hidden_size": 3072, "initializer_range": 0.02,
  "intermediate_size": 8192, "max_position_embeddings": 4096, "model_type": "phi3", "num_attention_heads": 32,
  "num_hidden_layers": 32, "num_key_value_heads": 32, "original_max_position_embeddings": 4096, "pad_token_id": 32000,
  "resid_pdrop": 0.0, "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 10000.0, "sliding_window": 2047,
  "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.40.2", "use_cache": true,
  "vocab_size": 32064})";
const char* const kPhi4 = R"({
  "architectures": ["Phi3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 100257,
  "embd_pdrop": 0.0, "eos_token_id": 100265, "hidden_act": "silu", "hidden_size": 5120, "initializer_range": 0.02,
  "intermediate_size": 17920, "max_position_embeddings": 16384, "model_type": "phi3", "num_attention_heads": 40,
  "num_hidden_layers": 40, "num_key_value_heads": 10, "original_max_position_embeddings": 16384,
  "pad_token_id": 100349, "resid_pdrop": 0.0, "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 250000,
  "sliding_window": null, "tie_word_embeddings": false, "torch_dtype": "bfloat16", "use_cache": true,
  "vocab_size": 100352})";

TEST(config_phi3_and_phi4_fused_projections) {
  const ModelConfig mini = parse_model_config(kPhi3Mini, "phi3/config.json");
  CHECK_EQ(mini.architecture, std::string("Phi3ForCausalLM"));
  CHECK_EQ(mini.model_type, std::string("phi3"));
  CHECK(mini.fused.qkv && mini.fused.gate_up);
  CHECK_EQ(mini.head_dim, 96);
  CHECK_EQ(mini.num_key_value_heads, 32);
  // Its 2047-key window on every layer, computed as windows (transformers' sliding mask): the whole 4096 positions train.
  CHECK_EQ(mini.max_position_embeddings, 4096);
  CHECK_EQ(mini.sliding_window, 2047);
  CHECK(mini.layer_sliding == std::vector<char>(32, 1));
  CHECK_EQ(mini.hidden_act, std::string("silu"));
  CHECK(!mini.qk_norm && !mini.attention_bias && !mini.tie_word_embeddings);
  // Fused or not, the same weights: q,k,v,o 3072² each, 3 MLP 3072·8192, plus lm_head.
  CHECK_EQ(matmul_param_count(mini), 32LL * (4LL * 3072 * 3072 + 3LL * 3072 * 8192) + 32064LL * 3072);

  const ModelConfig phi4 = parse_model_config(kPhi4, "phi4/config.json");
  CHECK(phi4.fused.qkv && phi4.fused.gate_up);
  CHECK_EQ(phi4.head_dim, 128);
  CHECK_EQ(phi4.num_key_value_heads, 10);
  CHECK_EQ(phi4.max_position_embeddings, 16384);
  CHECK_EQ(phi4.rope_theta, 250000.0);
  CHECK(phi4.eos_token_ids == std::vector<int>({100265}));
  // By model_type alone, with Phi3Config's 4096 positions; the Llama family is not fused.
  const ModelConfig by_type = parse_model_config(R"({"model_type": "phi3", "vocab_size": 100, "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4})", "t.json");
  CHECK_EQ(by_type.architecture, std::string("Phi3ForCausalLM"));
  CHECK_EQ(by_type.max_position_embeddings, 4096);
  CHECK(!parse_model_config(minimal(""), "l.json").fused.any());

  // What Phi3Config can say that we would compute differently is refused by name.
  CHECK_THROWS(parse_model_config(minimal(R"("resid_pdrop": 0.1)", "Phi3ForCausalLM"), "p.json"),
               "resid_pdrop = 0.1 is not supported");
  CHECK_THROWS(parse_model_config(minimal(R"("embd_pdrop": 0.1)", "Phi3ForCausalLM"), "p.json"), "embd_pdrop = 0.1");
  CHECK_THROWS(parse_model_config(minimal(R"("hidden_act": "gelu")", "Phi3ForCausalLM"), "p.json"),
               "hidden_act \"gelu\" is not supported");
}

// Phi-3.5-mini-instruct and Phi-4-mini-instruct (their 48 factors cut to the fields read): longrope's short and long
// factors, its original context and attention factor, the whole 131072 positions to train; Phi-4-mini rotates 96 of
// its 128 head dimensions.
std::string longrope_factors(int n, double v) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(v + 0.01 * i);
  return "[" + s + "]";
}

TEST(config_phi35_mini_and_phi4_mini_longrope_partial_rotary) {
  const std::string phi35 = R"({"architectures": ["Phi3ForCausalLM"], "model_type": "phi3", "hidden_size": 3072,
      "intermediate_size": 8192, "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 32,
      "vocab_size": 32064, "max_position_embeddings": 131072, "original_max_position_embeddings": 4096,
      "rope_theta": 10000.0, "sliding_window": 262144, "rope_scaling": {"type": "longrope", "long_factor": )" +
                            longrope_factors(48, 1.08) + R"(, "short_factor": )" + longrope_factors(48, 1.0) + "}}";
  const ModelConfig c = parse_model_config(phi35, "phi35/config.json");
  CHECK_EQ(c.rope_scaling.type, std::string("longrope"));
  CHECK_EQ(c.rope_scaling.short_factor.size(), size_t(48));
  CHECK_NEAR(c.rope_scaling.short_factor[47], 1.47, 1e-12);
  CHECK_EQ(c.rope_scaling.original_max_position_embeddings, 4096);
  CHECK_NEAR(c.rope_scaling.long_factor[47], 1.55, 1e-12);
  CHECK_EQ(c.max_position_embeddings, 131072);  // past 4096 positions a pass takes the long factors
  // transformers' default attention factor: sqrt(1 + ln(131072 / 4096) / ln 4096) = 1.19024...
  CHECK_NEAR(c.rope_scaling.attention_factor, std::sqrt(1 + std::log(32.0) / std::log(4096.0)), 1e-12);
  CHECK_EQ(c.partial_rotary_factor, 1.0);
  // "su" is longrope's first name; an explicit attention_factor is used as given.
  std::string su = phi35;
  su.replace(su.find("\"longrope\""), 10, "\"su\"");
  CHECK_EQ(parse_model_config(su, "su.json").rope_scaling.type, std::string("longrope"));
  std::string given = phi35;
  given.replace(given.find("\"type\""), 6, "\"attention_factor\": 1.5, \"type\"");
  CHECK_EQ(parse_model_config(given, "g.json").rope_scaling.attention_factor, 1.5);

  const std::string phi4mini = R"({"architectures": ["Phi3ForCausalLM"], "model_type": "phi3", "hidden_size": 3072,
      "intermediate_size": 8192, "num_attention_heads": 24, "num_hidden_layers": 32, "num_key_value_heads": 8,
      "vocab_size": 200064, "max_position_embeddings": 131072, "original_max_position_embeddings": 4096,
      "partial_rotary_factor": 0.75, "rope_theta": 10000.0, "tie_word_embeddings": true,
      "rope_scaling": {"type": "longrope", "long_factor": )" +
                               longrope_factors(48, 1.0) + R"(, "short_factor": )" + longrope_factors(48, 1.0) + "}}";
  const ModelConfig m = parse_model_config(phi4mini, "phi4mini/config.json");
  CHECK_EQ(m.head_dim, 128);
  CHECK_EQ(m.partial_rotary_factor, 0.75);  // 96 of 128 dimensions, 48 factors
  CHECK(m.tie_word_embeddings);
  // The factors must cover the rotated dimensions; the rotated part must be even; longrope is Phi-3's only.
  std::string short_list = phi4mini;
  const std::string prf = "\"partial_rotary_factor\": 0.75";
  short_list.replace(short_list.find(prf), prf.size(), "\"partial_rotary_factor\": 0.50");
  CHECK_THROWS(parse_model_config(short_list, "p.json"), "longrope's short_factor has 48 values; the 64 rotated dimensions need 32");
  CHECK_THROWS(parse_model_config(minimal(R"("partial_rotary_factor": 0.2)", "Phi3ForCausalLM"), "p.json"),
               "partial_rotary_factor 0.2 of head_dim 16 rotates 3 dimensions; RoPE needs an even number");  // int(16 · 0.2)
  CHECK_THROWS(parse_model_config(minimal(R"("rope_scaling": {"type": "longrope", "short_factor": [1], "long_factor": [1]})"), "l.json"),
               "rope_scaling type \"longrope\" is not supported (supported: llama3, linear, yarn, or none)");
}

// granite-3.3-8b-instruct's config.json (the fields read, plus a few ignored): Llama's shape with GQA 32/8, tied
// embeddings, an odd vocabulary, and Granite's four multipliers.
const char* const kGranite33 = R"({
  "architectures": ["GraniteForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "attention_multiplier": 0.0078125, "bos_token_id": 0, "embedding_multiplier": 12.0, "eos_token_id": 0,
  "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 12800,
  "logits_scaling": 16.0, "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "granite",
  "num_attention_heads": 32, "num_hidden_layers": 40, "num_key_value_heads": 8, "pad_token_id": 0,
  "residual_multiplier": 0.22, "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 10000000.0,
  "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": true, "vocab_size": 49159})";

TEST(config_granite_multipliers) {
  const ModelConfig c = parse_model_config(kGranite33, "granite/config.json");
  CHECK_EQ(c.architecture, std::string("GraniteForCausalLM"));
  CHECK_EQ(c.model_type, std::string("granite"));
  CHECK_EQ(c.head_dim, 128);
  CHECK_EQ(c.vocab_size, 49159);
  CHECK_EQ(c.max_position_embeddings, 131072);
  CHECK(c.tie_word_embeddings && !c.fused.any() && !c.qk_norm && !c.attention_bias);
  CHECK_EQ(c.embedding_multiplier, 12.0);
  CHECK_EQ(c.attention_multiplier, 0.0078125);
  CHECK_EQ(c.residual_multiplier, 0.22);
  CHECK_EQ(c.logits_scaling, 16.0);
  CHECK_EQ(c.rope_theta, 1e7);
  // GraniteConfig's defaults: every multiplier 1.0, so the scores are not scaled at all (not head_dim^-0.5).
  const ModelConfig by_type = parse_model_config(R"({"model_type": "granite", "vocab_size": 100, "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4})", "t.json");
  CHECK_EQ(by_type.architecture, std::string("GraniteForCausalLM"));
  CHECK_EQ(by_type.max_position_embeddings, 2048);
  CHECK_EQ(by_type.attention_multiplier, 1.0);
  CHECK_EQ(by_type.embedding_multiplier * by_type.residual_multiplier * by_type.logits_scaling, 1.0);
  // The Llama family keeps head_dim^-0.5 (0: no multiplier).
  CHECK_EQ(parse_model_config(minimal(""), "l.json").attention_multiplier, 0.0);
  CHECK_THROWS(parse_model_config(minimal(R"("logits_scaling": 0)", "GraniteForCausalLM"), "g.json"),
               "g.json: logits_scaling must be a positive number, got 0");
  CHECK_THROWS(parse_model_config(minimal(R"("residual_multiplier": -0.5)", "GraniteForCausalLM"), "g.json"),
               "residual_multiplier must be a positive number, got -0.5");
  CHECK_THROWS(parse_model_config(minimal(R"("attention_dropout": 0.1)", "GraniteForCausalLM"), "g.json"),
               "attention_dropout = 0.1 is not supported");
  CHECK_THROWS(parse_model_config(minimal(R"("mlp_bias": true)", "GraniteForCausalLM"), "g.json"),
               "mlp_bias = true is not supported");
}

// SmolLM3-3B's config.json (the fields read, plus a few ignored): Llama's layer, tied, RoPE left out on every fourth
// layer (no_rope_layers), no window.
const char* const kSmolLM3 = R"({
  "architectures": ["SmolLM3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": null,
  "eos_token_id": 128012, "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02,
  "intermediate_size": 11008, "max_position_embeddings": 65536, "max_window_layers": 28, "mlp_bias": false,
  "model_type": "smollm3", "no_rope_layer_interval": 4,
  "no_rope_layers": [1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0],
  "num_attention_heads": 16, "num_hidden_layers": 36, "num_key_value_heads": 4, "pad_token_id": 128004,
  "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 5000000.0, "sliding_window": null,
  "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": false, "use_sliding_window": false,
  "vocab_size": 128256})";

TEST(config_smollm3_nope_layers) {
  const ModelConfig c = parse_model_config(kSmolLM3, "smollm3/config.json");
  CHECK_EQ(c.architecture, std::string("SmolLM3ForCausalLM"));
  CHECK_EQ(c.model_type, std::string("smollm3"));
  CHECK_EQ(c.head_dim, 128);
  CHECK_EQ(c.max_position_embeddings, 65536);
  CHECK(c.tie_word_embeddings && c.layer_sliding.empty());
  CHECK_EQ(c.rope_theta, 5e6);
  CHECK_EQ(int(c.layer_rope.size()), 36);
  for (int l = 0; l < 36; ++l) CHECK_EQ(int(c.layer_rope[l]), (l + 1) % 4 != 0 ? 1 : 0);
  // SmolLM3Config's defaults: NoPE every no_rope_layer_interval-th layer, tied, rope_theta 2e6, 32768 positions.
  const ModelConfig d = parse_model_config(R"({"model_type": "smollm3", "vocab_size": 100, "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 4, "num_attention_heads": 4, "no_rope_layer_interval": 2})", "t.json");
  CHECK(d.layer_rope == std::vector<char>({1, 0, 1, 0}));
  CHECK(d.tie_word_embeddings);
  CHECK_EQ(d.rope_theta, 2e6);
  CHECK_EQ(d.max_position_embeddings, 32768);
  // With use_sliding_window, its NoPE layers are the windowed ones (SmolLM3Config's layer_types).
  const ModelConfig w = parse_model_config(minimal(R"("use_sliding_window": true, "sliding_window": 512, "no_rope_layers": [1, 0])",
                                                   "SmolLM3ForCausalLM"), "w.json");
  CHECK(w.layer_sliding == std::vector<char>({0, 1}));
  CHECK_EQ(w.sliding_window, 512);
  CHECK(parse_model_config(minimal(""), "l.json").layer_rope.empty());
  CHECK_THROWS(parse_model_config(minimal(R"("no_rope_layers": [1])", "SmolLM3ForCausalLM"), "s.json"),
               "s.json: no_rope_layers has 1 entries for 2 layers");
  CHECK_THROWS(parse_model_config(minimal(R"("no_rope_layers": [1, 2])", "SmolLM3ForCausalLM"), "s.json"),
               "no_rope_layers holds 2; 1 (RoPE) or 0 (none) expected");
  CHECK_THROWS(parse_model_config(minimal(R"("attention_dropout": 0.1)", "SmolLM3ForCausalLM"), "s.json"),
               "attention_dropout = 0.1 is not supported (training applies LoRA dropout only); set it to 0.0 as the "
               "published SmolLM3 checkpoints have it");
}

// OLMo-2-1124-7B's config.json (the fields read, plus a few ignored): output norms instead of input norms, q and k
// normalized whole.
const char* const kOlmo2 = R"({
  "architectures": ["Olmo2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": null,
  "eos_token_id": 100257, "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02,
  "intermediate_size": 11008, "max_position_embeddings": 4096, "model_type": "olmo2", "num_attention_heads": 32,
  "num_hidden_layers": 32, "num_key_value_heads": 32, "pad_token_id": 100277, "rms_norm_eps": 1e-06,
  "rope_scaling": null, "rope_theta": 500000, "tie_word_embeddings": false, "torch_dtype": "float32",
  "use_cache": true, "vocab_size": 100352})";

TEST(config_olmo2_output_norms_and_whole_qk_norms) {
  const ModelConfig c = parse_model_config(kOlmo2, "olmo2/config.json");
  CHECK_EQ(c.architecture, std::string("Olmo2ForCausalLM"));
  CHECK_EQ(c.model_type, std::string("olmo2"));
  CHECK(c.qk_norm && c.qk_norm_whole && c.sandwich_norms && !c.input_norms);
  CHECK(!c.norm_plus_one && !c.embed_scaled && c.hidden_act == "silu");
  CHECK_EQ(c.head_dim, 128);
  CHECK_EQ(c.rms_norm_eps, 1e-6);
  CHECK_EQ(c.rope_theta, 500000.0);
  // Olmo2Config's defaults: rms_norm_eps 1e-5, untied, 2048 positions.
  const ModelConfig d = parse_model_config(R"({"model_type": "olmo2", "vocab_size": 100, "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4})", "t.json");
  CHECK_EQ(d.architecture, std::string("Olmo2ForCausalLM"));
  CHECK_EQ(d.rms_norm_eps, 1e-5);
  CHECK(!d.tie_word_embeddings && d.max_position_embeddings == 2048);
  CHECK_THROWS(parse_model_config(minimal(R"("attention_dropout": 0.1)", "Olmo2ForCausalLM"), "o.json"),
               "o.json: attention_dropout = 0.1 is not supported (training applies LoRA dropout only); set it to 0.0 as "
               "the published OLMo 2 checkpoints have it");
  // The other families keep their input norms and per-head q/k norms.
  const ModelConfig q = parse_model_config(minimal("", "Qwen3ForCausalLM"), "q.json");
  CHECK(q.qk_norm && !q.qk_norm_whole && q.input_norms && !q.sandwich_norms);
}

// An OLMo-3-7B-like config (Olmo3ForCausalLM): OLMo 2's layer, a 4096-key window on three layers in four, yarn
// stretching 8192 positions eightfold, on the full-attention layers only.
const char* const kOlmo3 = R"({
  "architectures": ["Olmo3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "eos_token_id": 100257,
  "hidden_act": "silu", "hidden_size": 4096, "intermediate_size": 11008, "max_position_embeddings": 65536,
  "model_type": "olmo3", "num_attention_heads": 32, "num_hidden_layers": 8, "num_key_value_heads": 32,
  "pad_token_id": 100277, "rms_norm_eps": 1e-06, "rope_theta": 500000, "sliding_window": 4096,
  "rope_scaling": {"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 8192,
                   "attention_factor": 1.2079441541679836, "beta_fast": 32, "beta_slow": 1},
  "layer_types": ["sliding_attention", "sliding_attention", "sliding_attention", "full_attention",
                  "sliding_attention", "sliding_attention", "sliding_attention", "full_attention"],
  "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 100278})";

TEST(config_olmo3_windows_and_rope_scaled_on_full_layers) {
  const ModelConfig c = parse_model_config(kOlmo3, "olmo3/config.json");
  CHECK_EQ(c.model_type, std::string("olmo3"));
  CHECK(c.qk_norm && c.qk_norm_whole && c.sandwich_norms && !c.input_norms);  // OLMo 2's layer
  CHECK_EQ(c.sliding_window, 4096);
  CHECK(c.layer_sliding == (std::vector<char>{1, 1, 1, 0, 1, 1, 1, 0}));
  CHECK_EQ(c.max_position_embeddings, 65536);  // windows computed: the whole context trains
  CHECK_EQ(c.rope_scaling.type, std::string("yarn"));
  CHECK_EQ(c.rope_scaling.attention_factor, 1.2079441541679836);
  CHECK_EQ(c.rope_local_theta, 500000.0);  // the sliding layers rotate with rope_theta, unscaled
  // Olmo3Config's defaults: the pattern without layer_types, a 4096-key window, no scaling (one RoPE then).
  const ModelConfig d = parse_model_config(R"({"model_type": "olmo3", "vocab_size": 100, "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 8, "num_attention_heads": 4, "max_position_embeddings": 8192})", "t.json");
  CHECK_EQ(d.architecture, std::string("Olmo3ForCausalLM"));
  CHECK(d.layer_sliding == (std::vector<char>{1, 1, 1, 0, 1, 1, 1, 0}));
  CHECK_EQ(d.sliding_window, 4096);
  CHECK_EQ(d.rms_norm_eps, 1e-5);
  CHECK_EQ(d.rope_local_theta, 0.0);
  // A window as long as the context still marks the sliding layers, whose RoPE stays unscaled.
  const ModelConfig w = parse_model_config(minimal(R"("max_position_embeddings": 4096, "rope_scaling": {"rope_type": "yarn",
      "factor": 2.0}, "layer_types": ["sliding_attention", "full_attention"])", "Olmo3ForCausalLM"), "w.json");
  CHECK(w.layer_sliding == (std::vector<char>{1, 0}));
  CHECK_EQ(w.rope_local_theta, 10000.0);
  CHECK_THROWS(parse_model_config(minimal(R"("sliding_window": null)", "Olmo3ForCausalLM"), "n.json"),
               "n.json: sliding_window is null but layer_types has sliding layers; OLMo 3 needs the window");
  CHECK_THROWS(parse_model_config(minimal(R"("attention_dropout": 0.1)", "Olmo3ForCausalLM"), "o.json"),
               "the published OLMo 3 checkpoints have it");
}

// gemma-2-2b-it as published (transformers 4.42): soft caps 50 (scores) and 30 (logits), a 4096-key window on every
// second layer, one RoPE base; both hidden_act and hidden_activation are written.
const char* const kGemma2_2b = R"({
  "architectures": ["Gemma2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "attn_logit_softcapping": 50.0, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": [1, 107],
  "final_logit_softcapping": 30.0, "head_dim": 256, "hidden_act": "gelu_pytorch_tanh",
  "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 2304, "initializer_range": 0.02, "intermediate_size": 9216,
  "max_position_embeddings": 8192, "model_type": "gemma2", "num_attention_heads": 8, "num_hidden_layers": 26,
  "num_key_value_heads": 4, "pad_token_id": 0, "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06,
  "rope_theta": 10000.0, "sliding_window": 4096, "torch_dtype": "float32", "transformers_version": "4.42.4",
  "use_cache": true, "vocab_size": 256000})";

TEST(config_gemma2_soft_caps_and_alternating_windows) {
  const ModelConfig c = parse_model_config(kGemma2_2b, "gemma-2-2b/config.json");
  CHECK_EQ(c.architecture, std::string("Gemma2ForCausalLM"));
  CHECK_EQ(c.model_type, std::string("gemma2"));
  CHECK(c.norm_plus_one && c.embed_scaled && c.sandwich_norms && c.tie_word_embeddings);
  CHECK(!c.qk_norm);  // Gemma 3 added the per-head q/k norms
  CHECK_EQ(c.hidden_act, std::string("gelu_pytorch_tanh"));
  CHECK_EQ(c.attn_logit_softcapping, 50.0);
  CHECK_EQ(c.final_logit_softcapping, 30.0);
  CHECK_EQ(c.head_dim, 256);
  CHECK_EQ(c.query_pre_attn_scalar, 256.0);
  CHECK_EQ(c.sliding_window, 4096);
  CHECK_EQ(c.max_position_embeddings, 8192);  // windows computed as windows: the whole context trains
  CHECK_EQ(c.rope_theta, 10000.0);
  CHECK(c.rope_scaling.type.empty());
  CHECK_EQ(c.eos_token_ids, std::vector<int>({1, 107}));
  // Even layers slide, odd layers see everything (Gemma2Config's layer_types: sliding when (i + 1) % 2 != 0).
  REQUIRE(c.layer_sliding.size() == 26u);
  for (int l = 0; l < 26; ++l) CHECK_EQ(bool(c.layer_sliding[l]), l % 2 == 0);

  // Gemma2Config's defaults, from model_type alone; null switches a cap off; layer_types, when given, decides.
  const std::string base = R"({"model_type": "gemma2", "vocab_size": 10, "hidden_size": 8, "intermediate_size": 16,
      "num_hidden_layers": 3, "num_attention_heads": 2, "num_key_value_heads": 1)";
  const ModelConfig d = parse_model_config(base + "}", "d.json");
  CHECK_EQ(d.architecture, std::string("Gemma2ForCausalLM"));
  CHECK_EQ(d.attn_logit_softcapping, 50.0);
  CHECK_EQ(d.final_logit_softcapping, 30.0);
  CHECK_EQ(d.head_dim, 256);
  CHECK_EQ(d.max_position_embeddings, 8192);
  CHECK_EQ(d.sliding_window, 4096);
  CHECK(d.tie_word_embeddings);
  CHECK(d.layer_sliding == std::vector<char>({1, 0, 1}));
  const ModelConfig off =
      parse_model_config(base + R"(, "attn_logit_softcapping": null, "final_logit_softcapping": null})", "n.json");
  CHECK_EQ(off.attn_logit_softcapping, 0.0);
  CHECK_EQ(off.final_logit_softcapping, 0.0);
  const ModelConfig typed = parse_model_config(
      base + R"(, "layer_types": ["full_attention", "full_attention", "sliding_attention"]})", "t.json");
  CHECK(typed.layer_sliding == std::vector<char>({0, 0, 1}));
  // gemma-2-27b scores by query_pre_attn_scalar 144 with head_dim 128; a linear-scaled RoPE reads as Llama's.
  const ModelConfig big = parse_model_config(
      base + R"(, "head_dim": 128, "query_pre_attn_scalar": 144, "rope_scaling": {"rope_type": "linear", "factor": 2.0}})",
      "b.json");
  CHECK_EQ(big.head_dim, 128);
  CHECK_EQ(big.query_pre_attn_scalar, 144.0);
  CHECK_EQ(big.rope_scaling.type, std::string("linear"));

  // What Gemma2Model can do and the trainer cannot (or a cap that means nothing) is refused by name.
  CHECK_THROWS(parse_model_config(base + R"(, "attn_logit_softcapping": 0})", "s.json"),
               "s.json: attn_logit_softcapping must be positive (or null for none)");
  CHECK_THROWS(parse_model_config(base + R"(, "final_logit_softcapping": -30})", "s.json"),
               "final_logit_softcapping must be positive");
  CHECK_THROWS(parse_model_config(base + R"(, "attention_dropout": 0.1})", "s.json"),
               "s.json: attention_dropout = 0.1 is not supported (training applies LoRA dropout only); set it to 0.0 as "
               "the published Gemma 2 checkpoints have it");
  CHECK_THROWS(parse_model_config(base + R"(, "hidden_activation": "gelu"})", "s.json"),
               "hidden_activation \"gelu\" is not supported");
  CHECK_THROWS(parse_model_config(base + R"(, "layer_types": ["sliding_attention"]})", "s.json"),
               "layer_types has 1 entries for 3 layers");
  CHECK_THROWS(parse_model_config(base + R"(, "attention_bias": true})", "s.json"), "attention_bias = true");
}

// GLM-4-9B-0414's config.json (its published shape and keys).
const char* const kGlm4_9b = R"({
  "architectures": ["Glm4ForCausalLM"], "attention_bias": true, "attention_dropout": 0.0,
  "eos_token_id": [151329, 151336, 151338], "head_dim": 128, "hidden_act": "silu", "hidden_size": 4096,
  "initializer_range": 0.02, "intermediate_size": 13696, "max_position_embeddings": 32768, "model_type": "glm4",
  "num_attention_heads": 32, "num_hidden_layers": 40, "num_key_value_heads": 2, "pad_token_id": 151329,
  "partial_rotary_factor": 0.5, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "tie_word_embeddings": false,
  "torch_dtype": "bfloat16", "use_cache": true, "vocab_size": 151552})";

TEST(config_glm4_layer_rope_and_defaults) {
  const ModelConfig c = parse_model_config(kGlm4_9b, "glm4/config.json");
  CHECK_EQ(c.model_type, std::string("glm4"));
  CHECK(c.fused.gate_up && !c.fused.qkv);  // gate_up_proj fused, q/k/v separate
  CHECK(c.sandwich_norms && c.input_norms && !c.norm_plus_one && !c.qk_norm);
  CHECK(c.rope_interleaved && c.attention_bias && !c.tie_word_embeddings);
  CHECK_EQ(c.partial_rotary_factor, 0.5);
  CHECK_EQ(c.head_dim, 128);
  CHECK_EQ(c.max_position_embeddings, 32768);
  CHECK_EQ(c.rms_norm_eps, 1e-5);
  CHECK_EQ(c.eos_token_ids.size(), size_t(3));
  // Glm4Config's defaults when the keys are absent: head_dim 128 (not 64 / 4 = 16), q/k/v biases, half rotated,
  // eps 1.5625e-07, 131072 positions, untied.
  const ModelConfig d = parse_model_config(R"({"model_type": "glm4", "vocab_size": 100, "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4})", "t.json");
  CHECK_EQ(d.architecture, std::string("Glm4ForCausalLM"));
  CHECK_EQ(d.head_dim, 128);
  CHECK(d.attention_bias && d.rope_interleaved && !d.tie_word_embeddings);
  CHECK_EQ(d.partial_rotary_factor, 0.5);
  CHECK_EQ(d.rms_norm_eps, 1.5625e-07);
  CHECK_EQ(d.max_position_embeddings, 131072);
  CHECK(!parse_model_config(minimal(R"("attention_bias": false)", "Glm4ForCausalLM"), "g.json").attention_bias);
  // 5.x keeps the factor in rope_parameters; 1.0 rotates all of each head.
  CHECK_EQ(parse_model_config(minimal(R"("rope_parameters": {"rope_type": "default", "rope_theta": 10000.0,
      "partial_rotary_factor": 1.0})", "Glm4ForCausalLM"), "g.json").partial_rotary_factor, 1.0);
  CHECK_THROWS(parse_model_config(minimal(R"("attention_dropout": 0.1)", "Glm4ForCausalLM"), "g.json"),
               "attention_dropout = 0.1 is not supported (training applies LoRA dropout only); set it to 0.0 as the "
               "published GLM-4 checkpoints have it");
  CHECK_THROWS(parse_model_config(minimal(R"("head_dim": 128, "partial_rotary_factor": 0.2)", "Glm4ForCausalLM"), "g.json"),
               "partial_rotary_factor 0.2 of head_dim 128 rotates 25 dimensions; RoPE needs an even number");
  // Other families keep rotate-half RoPE.
  CHECK(!parse_model_config(minimal(""), "l.json").rope_interleaved);
}
