// LlamaModel forward against the independent double-precision reference (test_model_ref.h) for the families beyond
// Llama, Qwen and Gemma 3: Phi-3.5-mini / Phi-4-mini's RoPE, Granite's multipliers, Mistral's and Phi-3's windows,
// SmolLM3's NoPE layers, OLMo 2's norms, Gemma 2's soft caps, GLM-4's layer and yarn RoPE scaling; each difference
// shown to change the logits. Their decoding is in test_model.cc's decode specs, their gradients in test_model_grad.cc.
#include "harness.h"
#include "test_model_checks.h"
#include "test_model_util.h"

using namespace tf;
using namespace tf_test;

// Phi-3.5-mini / Phi-4-mini: longrope (frequencies over short factors, cos and sin scaled by the attention factor)
// and, for Phi-4-mini, RoPE on 6 of 8 head dimensions only; with GQA and NF4. With an original context of 8, the
// 9-token passes reach position 8 and take the long factors (the whole pass, as transformers switches); with 64,
// the short ones.
TEST(phi3_longrope_and_partial_rotary_match_reference) {
  ThreadPool pool(2);
  for (int rotary : {0, 6})
  for (int original : {64, 8}) {
    TinySpec s;
    s.phi3 = true, s.longrope = true, s.rotary = rotary, s.nf4 = rotary > 0, s.max_pos = original;
    auto r = load_tiny(s, pool, 17);
    CHECK_EQ(r.m->config().max_position_embeddings, 4 * original);  // the whole context, past the original one
    check_logits_match(r, nullptr, 1e-4);
    LoraSpec ls;
    ls.rank = 2, ls.alpha = 4, ls.targets = {"qkv_proj", "o_proj"};
    r.m->init_lora(ls, 3);
    randomize_b(*r.m, 4);
    RefLora lora = ref_lora(*r.m);
    check_logits_match(r, &lora, 1e-4);
  }
  // The long factors change the function: the first 8 tokens' logits differ when a 9th token takes the pass past the
  // original 8 positions (a causal model would otherwise give them unchanged).
  TinySpec s;
  s.phi3 = s.longrope = true, s.max_pos = 8;
  auto r = load_tiny(s, pool, 17);
  const std::vector<int32_t> nine = {3, 17, 0, 36, 5, 5, 21, 9, 30};
  const auto long_pass = r.m->logits(nine), short_pass = r.m->logits({nine.begin(), nine.end() - 1});
  double gap = 0;
  for (size_t i = 0; i < short_pass.size(); ++i) gap = std::max(gap, std::fabs(double(long_pass[i]) - short_pass[i]));
  CHECK(gap > 1e-2);
  // Decoding: a prefill reaching the original context takes the long factors as the full pass does.
  auto cache = r.m->new_cache(16);
  std::vector<float> last(s.V);
  r.m->decode(*cache, nine.data(), int(nine.size()), last.data());
  for (int v = 0; v < s.V; ++v) CHECK_NEAR(last[v], long_pass[8 * s.V + v], 1e-5);
  // A batched step whose rows sit on both sides of the original context: each row takes the table its own position
  // gives, so each gets what decoding it alone gives (the result never depends on what else is in the batch).
  const std::vector<int32_t> sa = {3, 17, 0, 36, 5, 5, 21, 9}, sb = {4, 8, 15};
  auto alone = [&](const std::vector<int32_t>& toks) {
    auto c = r.m->new_cache(16);
    std::vector<float> out(s.V);
    for (int32_t t : toks) r.m->decode(*c, &t, 1, out.data());
    return out;
  };
  auto ca = r.m->new_cache(16), cb = r.m->new_cache(16);
  r.m->decode(*ca, sa.data(), 7, last.data());  // positions 0..6, below 8
  r.m->decode(*cb, sb.data(), 2, last.data());
  std::vector<LlamaModel::KVCache*> both = {ca.get(), cb.get()};
  const std::vector<int32_t> next = {sa[7], sb[2]};  // sa's at position 7, sb's at 2: still short; then sa crosses
  std::vector<float> step(2 * s.V);
  r.m->decode_step(both.data(), next.data(), 2, step.data());
  const int32_t more[2] = {30, 31};
  r.m->decode_step(both.data(), more, 2, step.data());  // sa's row at position 8: long; sb's at 3: short
  std::vector<int32_t> sa9 = sa, sb4 = sb;
  sa9.push_back(30), sb4.push_back(31);
  const auto wa = alone(sa9), wb = alone(sb4);
  for (int v = 0; v < s.V; ++v) {
    CHECK_NEAR(step[v], wa[v], 1e-5);
    CHECK_NEAR(step[s.V + v], wb[v], 1e-5);
  }
  // Without them the same weights give other logits: the reference would catch RoPE left plain.
  TinySpec plain, scaled;
  plain.phi3 = scaled.phi3 = true;
  scaled.longrope = true, scaled.rotary = 6;
  auto a = load_tiny(plain, pool, 17), b = load_tiny(scaled, pool, 17);
  CHECK(max_logit_gap(a, b) > 1e-2);
}

// Granite: the embedding, score, residual and logit multipliers (3, 1/hd, 0.5, 1/4 in the tiny model), tied, with an
// adapter on every module and NF4; each multiplier changes the logits (the reference would catch one left out).
TEST(granite_multipliers_match_reference) {
  ThreadPool pool(2);
  for (bool nf4 : {false, true}) {
    TinySpec s;
    s.granite = true, s.tie = true, s.nf4 = nf4;
    auto r = load_tiny(s, pool, 23);
    CHECK_EQ(r.m->config().model_type, std::string("granite"));
    check_logits_match(r, nullptr, 1e-4);
    check_adapted_logits_match(r, kAllProjections);
  }
  TinySpec llama, granite;
  llama.tie = granite.tie = true;
  granite.granite = true;
  auto a = load_tiny(llama, pool, 23), b = load_tiny(granite, pool, 23);
  CHECK(max_logit_gap(a, b) > 1e-2);
}

// Mistral's and Phi-3's windows on every layer (4 and 3 keys, crossed by the 9-token inputs and the packed batch),
// computed as windows where the trainer once capped the context at the window; with adapters, NF4 on the Phi-3.
TEST(mistral_and_phi3_windows_match_reference) {
  ThreadPool pool(2);
  for (bool phi3 : {false, true}) {
    TinySpec s;
    s.window_all = phi3 ? 3 : 4, s.phi3 = phi3, s.nf4 = phi3;
    auto r = load_tiny(s, pool, 29);
    CHECK_EQ(r.m->config().model_type, std::string(phi3 ? "phi3" : "mistral"));
    CHECK_EQ(r.m->config().max_position_embeddings, 64);  // the context, not the window
    check_logits_match(r, nullptr, 1e-4);
    check_adapted_logits_match(r, phi3 ? std::vector<std::string>{"qkv_proj", "o_proj", "gate_up_proj", "down_proj"}
                                       : kAllProjections);
  }
  // The window matters: the same weights without it give other logits past the window.
  TinySpec windowed, full;
  windowed.window_all = 4;
  auto a = load_tiny(windowed, pool, 29), b = load_tiny(full, pool, 29);
  const std::vector<int32_t> toks = {3, 17, 0, 36, 5, 9, 21};
  const auto la = a.m->logits(toks), lb = b.m->logits(toks);
  double early = 0, late = 0;  // the first 4 positions' logits (the window holds every key there), and the rest
  for (size_t i = 0; i < la.size(); ++i) {
    double& d = i < 4 * size_t(windowed.V) ? early : late;
    d = std::max(d, std::fabs(double(la[i]) - lb[i]));
  }
  CHECK(early < 1e-6);  // within the window, the same function
  CHECK(late > 1e-3);
}

// SmolLM3: layer 1 of 2 attends without RoPE (a NoPE layer), tied; with adapters and NF4. Without the NoPE layer the
// same weights give other logits.
TEST(smollm3_nope_layers_match_reference) {
  ThreadPool pool(2);
  for (bool nf4 : {false, true}) {
    TinySpec s;
    s.smollm3 = true, s.tie = true, s.nf4 = nf4;
    auto r = load_tiny(s, pool, 31);
    CHECK_EQ(r.m->config().model_type, std::string("smollm3"));
    CHECK(r.m->config().layer_rope == std::vector<char>({1, 0}));
    check_logits_match(r, nullptr, 1e-4);
    check_adapted_logits_match(r, {"q_proj", "k_proj", "v_proj", "o_proj"});
  }
  TinySpec smol, llama;
  smol.smollm3 = smol.tie = llama.tie = true;
  auto a = load_tiny(smol, pool, 31), b = load_tiny(llama, pool, 31);
  CHECK(max_logit_gap(a, b) > 1e-2);
}

// OLMo 2: no input norms, output norms before each residual add, q and k normalized whole (not per head); GQA, with
// adapters and NF4.
TEST(olmo2_output_norms_and_whole_qk_norms_match_reference) {
  ThreadPool pool(2);
  for (bool nf4 : {false, true}) {
    TinySpec s;
    s.olmo2 = true, s.nf4 = nf4;
    auto r = load_tiny(s, pool, 33);
    CHECK_EQ(r.m->config().model_type, std::string("olmo2"));
    check_logits_match(r, nullptr, 1e-4);
    check_adapted_logits_match(r, kAllProjections);
  }
  // Its parameters: per layer two H norms and the two whole q/k norms, no input norms.
  TinySpec s;
  s.olmo2 = true;
  auto r = load_tiny(s, pool, 33);
  CHECK_EQ(r.m->num_parameters(), int64_t(37 * 32 * 2 + 2 * (2 * 32 * 32 + 2 * 32 * 16 + 3 * 32 * 48 + 2 * 32 + 32 + 16) + 32));
}

// Gemma 2: Gemma 3's layer without q/k norms, one RoPE base, layer 0 of 2 a 4-key window (crossed by the 9-token
// inputs), scores scaled by query_pre_attn_scalar^-0.5 (through q's RoPE scale: there is no q_norm to fold it into),
// the scaled scores soft-capped at 1.5 and the logits at 2; GQA, tied, with adapters and NF4.
TEST(gemma2_soft_caps_and_windows_match_reference) {
  ThreadPool pool(2);
  for (bool nf4 : {false, true}) {
    TinySpec s;
    s.gemma2 = true, s.tie = true, s.hd = 16, s.nkv = 1, s.qpas = 24, s.nf4 = nf4;
    auto r = load_tiny(s, pool, 35);
    CHECK_EQ(r.m->config().model_type, std::string("gemma2"));
    CHECK(r.m->config().layer_sliding == std::vector<char>({1, 0}));
    check_logits_match(r, nullptr, 1e-4);
    check_adapted_logits_match(r, kAllProjections);
    double top = 0;  // every logit lies inside the final cap (tanh rounds to 1 in fp32 far out), and some near it
    for (float z : r.m->logits({3, 17, 0, 36, 5})) top = std::max(top, std::fabs(double(z)));
    CHECK(top <= 2.0 && top > 1.5);
  }
  // Each cap changes the function: a cap of 1e6 is the identity on these values.
  TinySpec capped, loose_scores, loose_logits;
  capped.gemma2 = loose_scores.gemma2 = loose_logits.gemma2 = true;
  capped.tie = loose_scores.tie = loose_logits.tie = true;
  loose_scores.attn_cap = 1e6, loose_logits.logit_cap = 1e6;
  auto a = load_tiny(capped, pool, 35), b = load_tiny(loose_scores, pool, 35), c = load_tiny(loose_logits, pool, 35);
  CHECK(max_logit_gap(a, b) > 1e-2);
  CHECK(max_logit_gap(a, c) > 1e-2);
  // Its parameters: four H norms per layer, no q/k norms.
  TinySpec p;
  p.gemma2 = p.tie = true;
  auto m = load_tiny(p, pool, 35);
  CHECK_EQ(m.m->num_parameters(), int64_t(37 * 32 + 2 * (4 * 32 + 2 * 32 * 32 + 2 * 32 * 16 + 3 * 32 * 48) + 32));
}

// GLM-4: q/k/v biases, gate_up_proj fused, the output norms after each sublayer, half of each head rotated in
// interleaved pairs; fp32 and NF4, with adapters on every module (gate_up_proj by its own name, and by its parts'
// names given together).
TEST(glm4_layer_matches_reference) {
  ThreadPool pool(2);
  for (bool nf4 : {false, true}) {
    TinySpec s;
    s.glm4 = true, s.nf4 = nf4, s.double_quant = nf4;
    auto r = load_tiny(s, pool, 37);
    CHECK_EQ(r.m->config().model_type, std::string("glm4"));
    check_logits_match(r, nullptr, 1e-4);
    check_adapted_logits_match(r, nf4 ? kAllProjections
                                      : std::vector<std::string>{"q_proj", "k_proj", "v_proj", "o_proj", "gate_up_proj", "down_proj"});
    CHECK(r.m->lora_spec().targets == (std::vector<std::string>{"q_proj", "k_proj", "v_proj", "o_proj", "gate_up_proj", "down_proj"}));
  }
  TinySpec s;
  s.glm4 = true;
  auto r = load_tiny(s, pool, 37);
  LoraSpec ls;
  ls.rank = 2, ls.targets = {"q_proj", "gate_proj"};
  CHECK_THROWS(r.m->init_lora(ls, 1), "this model computes gate_proj, up_proj in one module, gate_up_proj");
  ls.targets = {"qkv_proj"};
  CHECK_THROWS(r.m->init_lora(ls, 1), "LoRA target 'qkv_proj' is a fused module of Phi-3; this model has q_proj, k_proj, "
                                      "v_proj, o_proj, gate_up_proj, down_proj");
}

// yarn (Qwen3 past 32k, and any Llama-family config that sets it): frequencies blended between themselves and a
// quarter of themselves over the correction range, cos and sin scaled by 0.1·ln 4 + 1; on Llama's and Qwen3's
// layers, fp32 and NF4, with an adapter. Left plain, the same weights give other logits.
TEST(yarn_rope_scaling_matches_reference) {
  ThreadPool pool(2);
  for (bool qwen3 : {false, true}) {
    TinySpec s;
    s.yarn = true, s.qk_norm = qwen3, s.hd = qwen3 ? 16 : 8, s.nf4 = qwen3;
    auto r = load_tiny(s, pool, 41);
    CHECK_EQ(r.m->config().rope_scaling.type, std::string("yarn"));
    CHECK_EQ(r.m->config().max_position_embeddings, 4 * s.max_pos);  // yarn caps nothing
    check_logits_match(r, nullptr, 1e-4);
    check_adapted_logits_match(r, {"q_proj", "k_proj", "v_proj", "o_proj"});
  }
  TinySpec plain, scaled;
  scaled.yarn = true;
  auto a = load_tiny(plain, pool, 41), b = load_tiny(scaled, pool, 41);
  CHECK(max_logit_gap(a, b) > 1e-2);
}

// OLMo 3: OLMo 2's layer with a 4-key window on layer 0 of 2 and, with yarn, the scaling on layer 1 only (layer 0
// rotates unscaled, as transformers' Olmo3Model and vLLM do); fp32 and NF4, with an adapter. The window and yarn each
// change the logits, so the reference would catch either left out (and yarn applied to layer 0 too).
TEST(olmo3_windows_and_full_layer_yarn_match_reference) {
  ThreadPool pool(2);
  for (bool yarn : {false, true}) {
    TinySpec s;
    s.olmo2 = s.olmo3 = true, s.yarn = yarn, s.nf4 = yarn;
    auto r = load_tiny(s, pool, 43);
    CHECK_EQ(r.m->config().model_type, std::string("olmo3"));
    CHECK(r.m->config().layer_sliding == (std::vector<char>{1, 0}));
    CHECK_EQ(r.m->config().rope_local_theta, yarn ? s.theta : 0.0);
    check_logits_match(r, nullptr, 1e-4);
    check_adapted_logits_match(r, kAllProjections);
  }
  TinySpec olmo2, olmo3, olmo3_yarn;
  olmo2.olmo2 = olmo3.olmo2 = olmo3.olmo3 = olmo3_yarn.olmo2 = olmo3_yarn.olmo3 = olmo3_yarn.yarn = true;
  auto a = load_tiny(olmo2, pool, 43), b = load_tiny(olmo3, pool, 43), c = load_tiny(olmo3_yarn, pool, 43);
  CHECK(max_logit_gap(a, b) > 1e-2);
  CHECK(max_logit_gap(b, c) > 1e-2);
}

// Gemma 3 with yarn: the scaling on its full-attention layer (1) only; layer 0 keeps its window and rope_local_base_freq,
// unscaled (Gemma3RotaryEmbedding's local RoPE is the default one).
TEST(gemma3_yarn_on_the_full_layer_matches_reference) {
  ThreadPool pool(2);
  TinySpec s;
  s.gemma = true, s.tie = true, s.hd = 16, s.nkv = 1, s.yarn = true;
  auto r = load_tiny(s, pool, 47);
  CHECK_EQ(r.m->config().rope_scaling.type, std::string("yarn"));
  check_logits_match(r, nullptr, 1e-4);
  TinySpec plain = s;
  plain.yarn = false;
  auto p = load_tiny(plain, pool, 47);
  CHECK(max_logit_gap(r, p) > 1e-2);
}

// EXAONE 4.0: OLMo 2's sublayers with per-head q/k norms, a 4-key window on layer 0, RoPE there only (layer 1 is a
// global NoPE layer), Llama 3's RoPE scaling; fp32 and NF4 with adapters. Each difference changes the logits.
TEST(exaone4_hybrid_attention_matches_reference) {
  ThreadPool pool(2);
  for (bool nf4 : {false, true}) {
    TinySpec s;
    s.exaone4 = true, s.llama3 = true, s.nf4 = nf4, s.hd = 16;
    auto r = load_tiny(s, pool, 53);
    CHECK_EQ(r.m->config().model_type, std::string("exaone4"));
    CHECK(r.m->config().layer_rope == (std::vector<char>{1, 0}));
    check_logits_match(r, nullptr, 1e-4);
    check_adapted_logits_match(r, kAllProjections);
  }
  TinySpec exaone, olmo;
  exaone.exaone4 = true, exaone.hd = 16;
  olmo.olmo2 = true, olmo.hd = 16;
  auto a = load_tiny(exaone, pool, 53), b = load_tiny(olmo, pool, 53);
  CHECK(max_logit_gap(a, b) > 1e-2);
}

// Ministral 3: yarn over an original context of 4 with attention factor 1, and each query after RoPE multiplied by its
// position's temperature, 1 + 0.5·ln(1 + floor(p / 4)); fp32 and NF4 with adapters. With llama_4_scaling_beta 0 the same
// weights give the same logits on positions 0-3 and others from position 4 on, where the temperature starts.
TEST(ministral3_query_temperature_matches_reference) {
  ThreadPool pool(2);
  for (bool nf4 : {false, true}) {
    TinySpec s;
    s.ministral3 = true, s.nf4 = nf4;
    auto r = load_tiny(s, pool, 59);
    CHECK_EQ(r.m->config().model_type, std::string("ministral3"));
    CHECK(r.m->config().q_temperature_beta == 0.5 && r.m->config().q_temperature_interval == 4);
    check_logits_match(r, nullptr, 1e-4);
    check_adapted_logits_match(r, kAllProjections);
  }
  TinySpec s;
  s.ministral3 = true;
  auto r = load_tiny(s, pool, 59);
  std::string cfg = read_file(r.dir->path() + "/config.json");
  const std::string beta = "\"llama_4_scaling_beta\": 0.5";
  REQUIRE(cfg.find(beta) != std::string::npos);
  cfg.replace(cfg.find(beta), beta.size(), "\"llama_4_scaling_beta\": 0.0");
  write_file(r.dir->path() + "/config.json", cfg);
  auto cold = LlamaModel::load(r.dir->path(), Quant::None, false, pool);
  const std::vector<int32_t> toks = {3, 17, 0, 36, 5, 5, 21, 9};
  const auto a = r.m->logits(toks), b = cold->logits(toks);
  double below = 0, from = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(double(a[i]) - b[i]);
    (i < size_t(4 * s.V) ? below : from) = std::max(i < size_t(4 * s.V) ? below : from, d);
  }
  CHECK_EQ(below, 0.0);
  CHECK(from > 1e-2);
}
