// config.json parsing: real configs of the supported families (trimmed copies of the published files),
// transformers' defaults, and the refusals that keep us from training a model we would compute differently. Phi-3,
// Granite, SmolLM3 and OLMo 2 are test_config_families.cc.
#include "io/config.h"

#include <string>

#include "harness.h"
#include "test_config_util.h"

using namespace tf;

namespace {

// Llama-3.1-8B's config.json as published (the fields we read, plus a few we ignore).
const char* kLlama31 = R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 128000,
  "eos_token_id": [128001, 128008, 128009], "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02,
  "intermediate_size": 14336, "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama",
  "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "pretraining_tp": 1,
  "rms_norm_eps": 1e-05,
  "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.43.0.dev0",
  "use_cache": true, "vocab_size": 128256})";

// Qwen2.5-0.5B-Instruct (tied embeddings, q/k/v bias, GQA 14/2).
const char* kQwen25 = R"({
  "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643, "eos_token_id": 151645,
  "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02, "intermediate_size": 4864,
  "max_position_embeddings": 32768, "max_window_layers": 21, "model_type": "qwen2", "num_attention_heads": 14,
  "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
  "sliding_window": 32768, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": true,
  "use_sliding_window": false, "vocab_size": 151936})";

// Qwen3-0.6B: q_norm / k_norm, no q/k/v bias, head_dim 128 although hidden / heads is 64, tied embeddings.
const char* kQwen3 = R"({
  "architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 151643,
  "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu", "hidden_size": 1024, "initializer_range": 0.02,
  "intermediate_size": 3072, "max_position_embeddings": 40960, "max_window_layers": 28, "model_type": "qwen3",
  "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06,
  "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": true,
  "torch_dtype": "bfloat16", "transformers_version": "4.51.0", "use_cache": true, "use_sliding_window": false,
  "vocab_size": 151936})";

// gemma-3-1b-it as published (transformers 4.50): no layer_types (the pattern says which layers slide), no
// tie_word_embeddings (Gemma ties by default), two RoPE bases.
const char* kGemma3_1b = R"({
  "architectures": ["Gemma3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "attn_logit_softcapping": null, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": [1, 106],
  "final_logit_softcapping": null, "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 1152,
  "initializer_range": 0.02, "intermediate_size": 6912, "max_position_embeddings": 32768, "model_type": "gemma3_text",
  "num_attention_heads": 4, "num_hidden_layers": 26, "num_key_value_heads": 1, "pad_token_id": 0,
  "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000, "rope_scaling": null,
  "rope_theta": 1000000, "sliding_window": 512, "sliding_window_pattern": 6, "torch_dtype": "bfloat16",
  "transformers_version": "4.50.0.dev0", "use_cache": true, "vocab_size": 262144})";

// SmolLM2-135M: Llama with tied embeddings and GQA 9/3.
const char* kSmolLM2 = R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 1, "eos_token_id": 2,
  "hidden_act": "silu", "hidden_size": 576, "intermediate_size": 1536, "max_position_embeddings": 8192,
  "model_type": "llama", "num_attention_heads": 9, "num_hidden_layers": 30, "num_key_value_heads": 3,
  "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 100000, "tie_word_embeddings": true,
  "torch_dtype": "bfloat16", "vocab_size": 49152})";


}  // namespace

TEST(config_llama31_with_llama3_rope_scaling) {
  ModelConfig c = parse_model_config(kLlama31, "llama31/config.json");
  CHECK_EQ(c.architecture, std::string("LlamaForCausalLM"));
  CHECK_EQ(c.model_type, std::string("llama"));
  CHECK_EQ(c.vocab_size, 128256);
  CHECK_EQ(c.hidden_size, 4096);
  CHECK_EQ(c.intermediate_size, 14336);
  CHECK_EQ(c.num_hidden_layers, 32);
  CHECK_EQ(c.num_attention_heads, 32);
  CHECK_EQ(c.num_key_value_heads, 8);
  CHECK_EQ(c.head_dim, 128);
  CHECK_EQ(c.max_position_embeddings, 131072);
  CHECK_EQ(c.rms_norm_eps, 1e-5);
  CHECK_EQ(c.rope_theta, 500000.0);
  CHECK_EQ(c.rope_scaling.type, std::string("llama3"));
  CHECK_EQ(c.rope_scaling.factor, 8.0);
  CHECK_EQ(c.rope_scaling.low_freq_factor, 1.0);
  CHECK_EQ(c.rope_scaling.high_freq_factor, 4.0);
  CHECK_EQ(c.rope_scaling.original_max_position_embeddings, 8192);
  CHECK(!c.tie_word_embeddings);
  CHECK(!c.attention_bias);
  CHECK_EQ(c.bos_token_id, 128000);
  CHECK(c.eos_token_ids == std::vector<int>({128001, 128008, 128009}));
  CHECK_EQ(c.torch_dtype, std::string("bfloat16"));
  // N_frozen for the FLOP accounting: per layer q,o 4096^2, k,v 4096*1024, 3 MLP 4096*14336; plus lm_head.
  const long long per_layer = 2LL * 4096 * 4096 + 2LL * 4096 * 1024 + 3LL * 4096 * 14336;
  CHECK_EQ(matmul_param_count(c), 32 * per_layer + 128256LL * 4096);
  // The reference's ≈31.9 GFLOP/token at T=2048 with r=16 on 7 modules is 4·N + 6·N_lora + 6·L·nh·hd·T.
  const long long n_lora = 32LL * 16 * ((4096 + 4096) * 2 + (4096 + 1024) * 2 + (4096 + 14336) * 3);
  const double flops = 4.0 * matmul_param_count(c) + 6.0 * n_lora + 6.0 * 32 * 32 * 128 * 2048;
  CHECK_NEAR(flops / 1e9, 31.9, 0.1);
}

TEST(config_qwen2_has_qkv_bias_and_tied_embeddings) {
  ModelConfig c = parse_model_config(kQwen25, "qwen/config.json");
  CHECK_EQ(c.model_type, std::string("qwen2"));
  CHECK(c.attention_bias);
  CHECK(c.tie_word_embeddings);
  CHECK_EQ(c.head_dim, 64);
  CHECK_EQ(c.num_key_value_heads, 2);
  CHECK_EQ(c.max_position_embeddings, 32768);  // use_sliding_window false: the window does not apply
  CHECK_EQ(c.rope_theta, 1000000.0);
  CHECK(c.eos_token_ids == std::vector<int>({151645}));
  CHECK(c.rope_scaling.type.empty());
  // Without "architectures", model_type decides; Qwen2 has bias even when attention_bias is absent.
  ModelConfig q = parse_model_config(R"({"model_type": "qwen2", "vocab_size": 10, "hidden_size": 8,
      "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2})", "q.json");
  CHECK_EQ(q.architecture, std::string("Qwen2ForCausalLM"));
  CHECK(q.attention_bias);
  CHECK_EQ(q.max_position_embeddings, 32768);
}

TEST(config_qwen3_has_qk_norm_and_its_own_head_dim) {
  ModelConfig c = parse_model_config(kQwen3, "qwen3/config.json");
  CHECK_EQ(c.architecture, std::string("Qwen3ForCausalLM"));
  CHECK_EQ(c.model_type, std::string("qwen3"));
  CHECK(c.qk_norm);
  CHECK(!c.attention_bias);
  CHECK(c.tie_word_embeddings);
  CHECK_EQ(c.head_dim, 128);  // not 1024 / 16
  CHECK_EQ(c.num_key_value_heads, 8);
  CHECK_EQ(c.max_position_embeddings, 40960);
  CHECK_EQ(c.rope_theta, 1000000.0);
  // transformers' Qwen3Config defaults: head_dim 128 and a 32768 context when the file leaves them out; no bias.
  ModelConfig q = parse_model_config(R"({"model_type": "qwen3", "vocab_size": 10, "hidden_size": 8,
      "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2})", "q.json");
  CHECK_EQ(q.architecture, std::string("Qwen3ForCausalLM"));
  CHECK(q.qk_norm && !q.attention_bias);
  CHECK_EQ(q.head_dim, 128);
  CHECK_EQ(q.max_position_embeddings, 32768);
  // The other families have no q/k norm.
  CHECK(!parse_model_config(kQwen25, "q.json").qk_norm && !parse_model_config(kLlama31, "l.json").qk_norm);
  // attention_bias = true would add an o_proj bias as well, which we do not compute: refused, not trained wrong.
  CHECK_THROWS(parse_model_config(minimal(R"("attention_bias": true, "head_dim": 16)", "Qwen3ForCausalLM"), "q.json"),
                    "attention_bias = true");
}

TEST(config_gemma3_text_model) {
  ModelConfig c = parse_model_config(kGemma3_1b, "gemma-3-1b/config.json");
  CHECK_EQ(c.architecture, std::string("Gemma3ForCausalLM"));
  CHECK_EQ(c.model_type, std::string("gemma3_text"));
  CHECK(c.norm_plus_one && c.embed_scaled && c.sandwich_norms && c.qk_norm);
  CHECK(c.tie_word_embeddings);
  CHECK_EQ(c.hidden_act, std::string("gelu_pytorch_tanh"));
  CHECK_EQ(c.head_dim, 256);
  CHECK_EQ(c.query_pre_attn_scalar, 256.0);
  CHECK_EQ(c.sliding_window, 512);
  CHECK_EQ(c.max_position_embeddings, 32768);  // real windows: the context is not capped at 512
  CHECK_EQ(c.rope_theta, 1000000.0);
  CHECK_EQ(c.rope_local_theta, 10000.0);
  CHECK(c.rope_scaling.type.empty());
  CHECK_EQ(c.eos_token_ids, std::vector<int>({1, 106}));
  // Five sliding layers, then a full one: layers 5, 11, 17 and 23 are full.
  REQUIRE(c.layer_sliding.size() == 26u);
  for (int l = 0; l < 26; ++l) CHECK_EQ(bool(c.layer_sliding[l]), (l + 1) % 6 != 0);

  // gemma-3-270m (transformers 4.55) lists the layer types; model_type alone maps to the text model; defaults.
  ModelConfig g = parse_model_config(R"({"model_type": "gemma3_text", "vocab_size": 10, "hidden_size": 8,
      "intermediate_size": 16, "num_hidden_layers": 3, "num_attention_heads": 2, "num_key_value_heads": 1,
      "layer_types": ["sliding_attention", "full_attention", "sliding_attention"], "use_bidirectional_attention": false})", "g.json");
  CHECK_EQ(g.architecture, std::string("Gemma3ForCausalLM"));
  CHECK(g.layer_sliding == std::vector<char>({1, 0, 1}));
  CHECK_EQ(g.head_dim, 256);
  CHECK_EQ(g.sliding_window, 4096);
  CHECK_EQ(g.query_pre_attn_scalar, 256.0);
  CHECK_EQ(g.max_position_embeddings, 131072);
  CHECK(g.tie_word_embeddings);
  CHECK_EQ(g.rope_theta, 1000000.0);
  CHECK_EQ(g.rope_local_theta, 10000.0);

  // transformers 5.x: one RoPE per layer type; the full layers' may be scaled (linear, as Gemma 3 4B+).
  const std::string base = R"({"model_type": "gemma3_text", "vocab_size": 10, "hidden_size": 8, "intermediate_size": 16,
      "num_hidden_layers": 2, "num_attention_heads": 2, )";
  ModelConfig r = parse_model_config(base + R"("rope_parameters": {"full_attention": {"rope_type": "linear", "factor": 8.0,
      "rope_theta": 1000000.0}, "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}}})", "r.json");
  CHECK_EQ(r.rope_theta, 1000000.0);
  CHECK_EQ(r.rope_scaling.type, std::string("linear"));
  CHECK_EQ(r.rope_scaling.factor, 8.0);
  CHECK_EQ(r.rope_local_theta, 10000.0);
  CHECK_THROWS(parse_model_config(base + R"("rope_theta": 500000, "rope_parameters": {"full_attention": {"rope_theta": 1000000}}})", "r.json"),
               "r.json: rope_parameters.full_attention (rope_theta 1000000) and the top-level key (rope_theta 500000) disagree");
  CHECK_THROWS(parse_model_config(base + R"("rope_parameters": {"rope_theta": 10000}})", "r.json"),
               "rope_parameters must be given per layer type (full_attention, sliding_attention) for Gemma 3");
  CHECK_THROWS(parse_model_config(base + R"("rope_parameters": {"sliding_attention": {"rope_type": "linear", "factor": 2}}})", "r.json"),
               "RoPE scaling on the sliding layers is not supported");

  // What Gemma3TextModel can do and the trainer cannot is refused by name.
  CHECK_THROWS(parse_model_config(base + R"("final_logit_softcapping": 30.0})", "s.json"),
               "s.json: final_logit_softcapping is set; Gemma 3 computes no softcapping (Gemma 2 does)");
  CHECK_THROWS(parse_model_config(base + R"("attn_logit_softcapping": 50.0})", "s.json"), "attn_logit_softcapping is set");
  CHECK_THROWS(parse_model_config(base + R"("use_bidirectional_attention": true})", "s.json"), "use_bidirectional_attention = true");
  CHECK_THROWS(parse_model_config(base + R"("hidden_activation": "gelu"})", "s.json"),
               "hidden_activation \"gelu\" is not supported (only gelu_pytorch_tanh)");
  CHECK_THROWS(parse_model_config(base + R"("layer_types": ["sliding_attention"]})", "s.json"), "layer_types has 1 entries for 2 layers");
  CHECK_THROWS(parse_model_config(base + R"("query_pre_attn_scalar": 0})", "s.json"), "query_pre_attn_scalar must be positive");
  CHECK_THROWS(parse_model_config(base + R"("attention_bias": true})", "s.json"), "attention_bias = true");
  CHECK_THROWS(parse_model_config(R"({"architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3"})", "mm.json"),
               "mm.json: Gemma3ForConditionalGeneration without a text_config");

  // gemma-3-4b-it (vision_config left out): text_config gives only what differs from Gemma3TextConfig's defaults; the
  // token ids and dtype are the outer config's.
  ModelConfig mm = parse_model_config(R"({"architectures": ["Gemma3ForConditionalGeneration"], "boi_token_index": 255999,
      "eoi_token_index": 256000, "eos_token_id": [1, 106], "image_token_index": 262144, "initializer_range": 0.02,
      "mm_tokens_per_image": 256, "model_type": "gemma3", "text_config": {"hidden_size": 2560, "intermediate_size": 10240,
      "model_type": "gemma3_text", "num_hidden_layers": 34, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
      "sliding_window": 1024}, "torch_dtype": "bfloat16", "transformers_version": "4.50.0.dev0",
      "vision_config": {"hidden_size": 1152, "model_type": "siglip_vision_model"}})", "gemma-3-4b/config.json");
  CHECK_EQ(mm.architecture, std::string("Gemma3ForConditionalGeneration"));
  CHECK_EQ(mm.model_type, std::string("gemma3"));
  CHECK(mm.sandwich_norms && mm.norm_plus_one && mm.tie_word_embeddings);
  CHECK_EQ(mm.vocab_size, 262208);
  CHECK_EQ(mm.hidden_size, 2560);
  CHECK_EQ(mm.num_hidden_layers, 34);
  CHECK_EQ(mm.num_attention_heads, 8);
  CHECK_EQ(mm.num_key_value_heads, 4);
  CHECK_EQ(mm.head_dim, 256);
  CHECK_EQ(mm.sliding_window, 1024);
  CHECK_EQ(mm.rope_scaling.type, std::string("linear"));  // the full layers'; the sliding layers' base is unscaled
  CHECK_EQ(mm.rope_scaling.factor, 8.0);
  CHECK_EQ(mm.rope_local_theta, 10000.0);
  CHECK_EQ(mm.eos_token_ids, std::vector<int>({1, 106}));
  CHECK_EQ(mm.torch_dtype, std::string("bfloat16"));
  CHECK_EQ(mm.layer_sliding.size(), size_t(34));
  CHECK_THROWS(parse_model_config(R"({"model_type": "gemma3", "text_config": {"final_logit_softcapping": 30}})", "mm.json"),
               "mm.json (text_config): final_logit_softcapping is set");
}

TEST(config_smollm2_tied_llama) {
  ModelConfig c = parse_model_config(kSmolLM2, "smol/config.json");
  CHECK_EQ(c.architecture, std::string("LlamaForCausalLM"));
  CHECK(c.tie_word_embeddings);
  CHECK_EQ(c.head_dim, 64);
  CHECK_EQ(c.num_key_value_heads, 3);
  CHECK_EQ(c.rope_theta, 100000.0);  // an integer in the file
  CHECK(c.rope_scaling.type.empty());  // "rope_scaling": null
  CHECK(c.eos_token_ids == std::vector<int>({2}));
}

TEST(config_defaults_and_explicit_head_dim) {
  ModelConfig c = parse_model_config(minimal(""), "m.json");
  CHECK_EQ(c.num_key_value_heads, 4);  // defaults to num_attention_heads
  CHECK_EQ(c.head_dim, 16);
  CHECK_EQ(c.max_position_embeddings, 2048);
  CHECK_EQ(c.rms_norm_eps, 1e-6);
  CHECK_EQ(c.rope_theta, 10000.0);
  CHECK(!c.tie_word_embeddings);
  CHECK_EQ(c.bos_token_id, -1);
  CHECK(c.eos_token_ids.empty());
  CHECK(c.torch_dtype.empty());
  // head_dim given explicitly may differ from hidden / heads (e.g. Mistral-Nemo: 5120 hidden, 32 heads, 128).
  ModelConfig e = parse_model_config(minimal(R"("head_dim": 32, "num_key_value_heads": 2, "dtype": "float16")"), "m.json");
  CHECK_EQ(e.head_dim, 32);
  CHECK_EQ(e.torch_dtype, std::string("float16"));
  // Mistral (7B v0.1): a 4096-key window on every layer under 32768 positions, computed as windows.
  ModelConfig mi = parse_model_config(minimal(R"("sliding_window": 4096, "max_position_embeddings": 32768)", "MistralForCausalLM"), "m.json");
  CHECK_EQ(mi.model_type, std::string("mistral"));
  CHECK_EQ(mi.max_position_embeddings, 32768);
  CHECK_EQ(mi.sliding_window, 4096);
  CHECK(mi.layer_sliding == std::vector<char>(2, 1));
  ModelConfig mn = parse_model_config(minimal(R"("sliding_window": null)", "MistralForCausalLM"), "m.json");  // v0.2+
  CHECK_EQ(mn.max_position_embeddings, 131072);
  CHECK(mn.layer_sliding.empty() && mn.sliding_window == 0);
  ModelConfig md = parse_model_config(minimal("", "MistralForCausalLM"), "m.json");  // transformers' default window
  CHECK_EQ(md.max_position_embeddings, 131072);
  CHECK_EQ(md.sliding_window, 4096);
  // A window as long as the context changes nothing: none is computed.
  ModelConfig mw = parse_model_config(minimal(R"("sliding_window": 4096, "max_position_embeddings": 4096)", "MistralForCausalLM"), "m.json");
  CHECK(mw.layer_sliding.empty() && mw.max_position_embeddings == 4096);
  // Qwen2 with use_sliding_window: the layers from max_window_layers on; without it, no window at all (Qwen2.5).
  ModelConfig qw = parse_model_config(minimal(R"("use_sliding_window": true, "sliding_window": 1024, "max_window_layers": 1,
      "max_position_embeddings": 32768)", "Qwen2ForCausalLM"), "m.json");
  CHECK(qw.layer_sliding == std::vector<char>({0, 1}));
  CHECK_EQ(qw.sliding_window, 1024);
  CHECK_EQ(qw.max_position_embeddings, 32768);
  ModelConfig qd = parse_model_config(minimal(R"("use_sliding_window": true, "sliding_window": 1024)", "Qwen3ForCausalLM"), "m.json");
  CHECK(qd.layer_sliding.empty());  // max_window_layers 28 by default: none of 2 layers slides
  ModelConfig qn = parse_model_config(minimal(R"("use_sliding_window": false, "sliding_window": 1024)", "Qwen2ForCausalLM"), "m.json");
  CHECK(qn.layer_sliding.empty() && qn.max_position_embeddings == 32768);
  ModelConfig rd = parse_model_config(minimal(R"("rope_scaling": {"rope_type": "default"})"), "m.json");
  CHECK(rd.rope_scaling.type.empty());
}

// transformers 5.x writes RoPE as "rope_parameters" (rope_theta inside) and may leave out the top-level rope_theta
// and rope_scaling; read as 4.x keys only, a 5.x Llama 3 would train with rope_theta 10000 and no scaling.
TEST(config_transformers5_rope_parameters) {
  const char* llama3 = R"("rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0,
      "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192})";
  ModelConfig c = parse_model_config(minimal(llama3), "m.json");
  CHECK_EQ(c.rope_theta, 500000.0);
  CHECK_EQ(c.rope_scaling.type, std::string("llama3"));
  CHECK_EQ(c.rope_scaling.factor, 32.0);
  CHECK_EQ(c.rope_scaling.high_freq_factor, 4.0);
  CHECK_EQ(c.rope_scaling.original_max_position_embeddings, 8192);
  // Qwen2 / Mistral under 5.x: the plain rotation with its theta (no type: also the plain rotation).
  ModelConfig q = parse_model_config(minimal(R"("rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0})"), "m.json");
  CHECK_EQ(q.rope_theta, 1000000.0);
  CHECK(q.rope_scaling.type.empty());
  CHECK_EQ(parse_model_config(minimal(R"("rope_parameters": {"rope_theta": 1000000})"), "m.json").rope_theta, 1000000.0);
  // No theta inside: the top-level one (or transformers' default) stands.
  CHECK_EQ(parse_model_config(minimal(R"("rope_theta": 500000, "rope_parameters": {"rope_type": "default"})"), "m.json").rope_theta, 500000.0);
  // Both forms, agreeing (what our own check's hf_make_model.py writes under 5.x): read.
  ModelConfig both = parse_model_config(minimal(std::string(llama3) + R"(, "rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3",
      "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192})"), "m.json");
  CHECK_EQ(both.rope_theta, 500000.0);
  CHECK_EQ(both.rope_scaling.factor, 32.0);
  // Disagreeing: refused, naming both, since the weights fit only one of them.
  CHECK_THROWS(parse_model_config(minimal(std::string(llama3) + R"(, "rope_theta": 10000.0)"), "m.json"),
               "m.json: rope_parameters (rope_theta 500000, llama3 scaling (factor 32, low_freq_factor 1, high_freq_factor 4, "
               "original_max_position_embeddings 8192)) and the top-level keys (rope_theta 10000) disagree");
  // Only what the top level states: here its scaling, not the rope_theta it leaves out.
  CHECK_THROWS(parse_model_config(minimal(std::string(llama3) + R"(, "rope_scaling": {"rope_type": "llama3", "factor": 8.0})"), "m.json"),
               "and the top-level keys (rope_scaling: llama3 scaling (factor 8, low_freq_factor 1, high_freq_factor 4, "
               "original_max_position_embeddings 8192)) disagree");
  // What the supported architectures cannot compute.
  CHECK_THROWS(parse_model_config(minimal(R"("rope_parameters": {"rope_type": "dynamic", "rope_theta": 10000, "factor": 4})"), "m.json"),
               "m.json: rope_parameters type \"dynamic\" is not supported (supported: llama3, linear, yarn, or none)");
  CHECK_THROWS(parse_model_config(minimal(R"("rope_parameters": {"rope_theta": 10000, "partial_rotary_factor": 0.5})"), "m.json"),
               "rope_parameters.partial_rotary_factor < 1 (rotating part of each head) is not supported");
  CHECK_THROWS(parse_model_config(minimal(R"("rope_parameters": {"full_attention": {"rope_theta": 1000000},
      "sliding_attention": {"rope_theta": 10000}})"), "m.json"),
               "rope_parameters is given per layer type (\"full_attention\")");
  CHECK_THROWS(parse_model_config(minimal(R"("rope_parameters": {"rope_theta": -1})"), "m.json"), "rope_theta must be positive");
  CHECK_THROWS(parse_model_config(minimal(R"("rope_parameters": [1])"), "m.json"), "rope_parameters: expected an object");
  // 5.x's layer_types: all full attention changes nothing; with use_sliding_window, the sliding layers are windowed;
  // a sliding layer where transformers would not window (Qwen2 without use_sliding_window, a Llama) caps the context
  // at the window instead; anything else is refused.
  const std::string qwen = R"("sliding_window": 4096, "max_position_embeddings": 32768, "layer_types": )";
  CHECK_EQ(parse_model_config(minimal(qwen + R"(["full_attention", "full_attention"])", "Qwen2ForCausalLM"), "m.json").max_position_embeddings, 32768);
  const ModelConfig listed = parse_model_config(minimal(R"("use_sliding_window": true, )" + qwen + R"(["full_attention", "sliding_attention"])", "Qwen2ForCausalLM"), "m.json");
  CHECK(listed.layer_sliding == std::vector<char>({0, 1}) && listed.max_position_embeddings == 32768);
  CHECK_EQ(parse_model_config(minimal(qwen + R"(["full_attention", "sliding_attention"])", "Qwen2ForCausalLM"), "m.json").max_position_embeddings, 4096);
  CHECK_EQ(parse_model_config(minimal(qwen + R"(["sliding_attention", "sliding_attention"])"), "m.json").max_position_embeddings, 4096);
  CHECK_THROWS(parse_model_config(minimal(qwen + R"(["full_attention", "linear_attention"])", "Qwen2ForCausalLM"), "m.json"),
               "layer_types has \"linear_attention\", which is not supported");
  CHECK_THROWS(parse_model_config(minimal(qwen + R"(["full_attention"])", "Qwen2ForCausalLM"), "m.json"),
               "layer_types has 1 entries for 2 layers");
}

TEST(config_unsupported_architecture_lists_supported) {
  CHECK_THROWS(parse_model_config(minimal("", "GPT2LMHeadModel"), "gpt2/config.json"),
               "gpt2/config.json: architecture GPT2LMHeadModel is not supported; supported: LlamaForCausalLM, "
               "MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, Phi3ForCausalLM, GraniteForCausalLM, "
               "SmolLM3ForCausalLM, Olmo2ForCausalLM, Olmo3ForCausalLM, Gemma2ForCausalLM, Gemma3ForCausalLM, "
               "Gemma3ForConditionalGeneration, Glm4ForCausalLM, Exaone4ForCausalLM, Ministral3ForCausalLM, "
               "Mistral3ForConditionalGeneration, Lfm2ForCausalLM, Lfm2VlForConditionalGeneration");
  CHECK_THROWS(parse_model_config(R"({"model_type": "gemma"})", "g.json"),
               "architecture model_type gemma is not supported; supported: LlamaForCausalLM");
  CHECK_THROWS(parse_model_config(R"({"vocab_size": 3})", "x.json"), "neither architectures nor model_type is set");
  int n = 0;
  while (kSupportedArchitectures[n]) ++n;
  CHECK_EQ(n, 18);
}

TEST(config_invalid_values_are_named) {
  CHECK_THROWS(parse_model_config(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 5})", "c.json"),
               "c.json: missing hidden_size, intermediate_size, num_hidden_layers, num_attention_heads");
  CHECK_THROWS(parse_model_config(minimal(R"("num_key_value_heads": 3)"), "c.json"),
               "num_attention_heads (4) must be a multiple of num_key_value_heads (3)");
  CHECK_THROWS(parse_model_config(minimal(R"("num_key_value_heads": 0)"), "c.json"), "num_key_value_heads must be positive, got 0");
  CHECK_THROWS(parse_model_config(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 100, "hidden_size": 66,
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4})", "c.json"),
               "hidden_size (66) is not divisible by num_attention_heads (4) and head_dim is not given");
  CHECK_THROWS(parse_model_config(minimal(R"("head_dim": 15)"), "c.json"), "head_dim 15 must be even");
  CHECK_THROWS(parse_model_config(minimal(R"("head_dim": 2147483646)"), "c.json"), "head_dim = 2147483646 is implausibly large");
  CHECK_THROWS(parse_model_config(minimal(R"("hidden_size": "64")"), "c.json"), "duplicate key \"hidden_size\"");
  CHECK_THROWS(parse_model_config(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 100, "hidden_size": "64",
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4})", "c.json"),
               "c.json: hidden_size: expected an integer, got a string");
  CHECK_THROWS(parse_model_config(minimal(R"("rope_scaling": {"type": "dynamic", "factor": 4})"), "c.json"),
               "rope_scaling type \"dynamic\" is not supported (supported: llama3, linear, yarn, or none)");
  CHECK_THROWS(parse_model_config(minimal(R"("rope_scaling": {"factor": 4})"), "c.json"), "rope_scaling has no rope_type");
  CHECK_THROWS(parse_model_config(minimal(R"("mlp_bias": true)"), "c.json"), "mlp_bias = true is not supported");
  CHECK_THROWS(parse_model_config(minimal(R"("attention_bias": true)"), "c.json"), "attention_bias = true");
  CHECK_THROWS(parse_model_config(minimal(R"("hidden_act": "gelu")"), "c.json"), "hidden_act \"gelu\" is not supported");
  CHECK_THROWS(parse_model_config(minimal(R"("rms_norm_eps": 0)"), "c.json"), "rms_norm_eps must be positive");
  CHECK_THROWS(parse_model_config(minimal(R"("eos_token_id": [1, "x"])"), "c.json"), "eos_token_id: expected an integer");
  CHECK_THROWS(parse_model_config(minimal(R"("tie_word_embeddings": 1)"), "c.json"), "tie_word_embeddings: expected true or false");
  CHECK_THROWS(parse_model_config("[1]", "c.json"), "c.json: expected an object, got an array");
  CHECK_THROWS(parse_model_config_file("/nonexistent/config.json"), "cannot read /nonexistent/config.json");
  tf_test::TempDir dir("tf-cfg");
  tf_test::write_file(dir.file("config.json"), kSmolLM2);
  CHECK_EQ(parse_model_config_file(dir.file("config.json")).hidden_size, 576);
  tf_test::write_file(dir.file("config.json"), "{\"architectures\": [");
  CHECK_THROWS(parse_model_config_file(dir.file("config.json")), "invalid JSON in " + dir.file("config.json"));
}
