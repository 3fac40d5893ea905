// LlamaModel forward against the independent double-precision reference (test_model_ref.h) on tiny models:
// fp32 / bf16 sources, NF4 (+ double quant), GQA, tied embeddings, Qwen2 bias, Qwen3 q/k norms, Gemma 3, Phi-3's fused
// projections, llama3 RoPE scaling, packed segments, an adapter; KV-cache decoding (every family); LoRA
// import/export; bad input. The other families' forwards are test_model_families.cc.
#include <algorithm>
#include <tuple>

#include "harness.h"
#include "model/decoder.h"
#include "kernels/isa.h"
#include "merge.h"
#include "test_model_checks.h"
#include "test_model_util.h"

using namespace tf;
using namespace tf_test;


TEST(forward_matches_reference_fp32_gqa_untied) {
  ThreadPool pool(2);
  TinySpec s;
  auto r = load_tiny(s, pool);
  check_logits_match(r, nullptr, 1e-4);
  CHECK_EQ(r.m->matmul_parameters(), int64_t(2 * (2 * 32 * 32 + 2 * 32 * 16 + 3 * 32 * 48) + 37 * 32));
}

TEST(forward_matches_reference_qwen2_bias_tied_mha_bf16) {
  ThreadPool pool(2);
  TinySpec s;
  s.bias = true, s.tie = true, s.nkv = 4, s.dtype = DType::BF16;
  auto r = load_tiny(s, pool, 2);
  check_logits_match(r, nullptr, 1e-4);
}

// Qwen3: each head of q and k is RMS-normalized (its own weights) before RoPE; head_dim 16 is not hidden / heads.
TEST(forward_matches_reference_qwen3_qk_norm_wide_heads_tied) {
  ThreadPool pool(2);
  TinySpec s;
  s.qk_norm = true, s.tie = true, s.hd = 16;
  auto r = load_tiny(s, pool, 12);
  check_logits_match(r, nullptr, 1e-4);
  // The norms are part of the model: a model without them (same weights otherwise) gives other logits.
  CHECK_EQ(r.m->config().model_type, std::string("qwen3"));
  const int64_t norms = 2 * 2 * 16;  // two layers, q_norm and k_norm of head_dim each
  CHECK_EQ(r.m->num_parameters(), int64_t(37 * 32 + 2 * (2 * 32 + 64 * 32 + 2 * 32 * 32 + 32 * 64 + 3 * 32 * 48) + 32 + norms));
}

// Gemma 3: (1 + w) norms, output norms on both sublayers, GELU, the scaled embedding, q/k norms, a 4-key window
// with its own RoPE base on layer 0 (the 9-token inputs cross it), and scores scaled by query_pre_attn_scalar^-0.5
// rather than head_dim^-0.5.
TEST(forward_matches_reference_gemma3_windows_sandwich_norms) {
  ThreadPool pool(2);
  TinySpec s;
  s.gemma = true, s.tie = true, s.hd = 16, s.nkv = 1, s.qpas = 24;
  auto r = load_tiny(s, pool, 13);
  check_logits_match(r, nullptr, 1e-4);
  CHECK_EQ(r.m->config().model_type, std::string("gemma3_text"));
  CHECK(r.m->config().layer_sliding == std::vector<char>({1, 0}));
  const int64_t qd = 4 * 16, kvd = 16;
  const int64_t per_layer = 4 * 32 /* four norms */ + 2 * 16 + qd * 32 + 2 * kvd * 32 + 32 * qd + 3 * 32 * 48;
  CHECK_EQ(r.m->num_parameters(), int64_t(37 * 32 + 2 * per_layer + 32));
}

// Phi-3 / Phi-4: q, k, v from one qkv_proj and gate, up from one gate_up_proj, as the file stores them; the adapters
// are on those fused modules (one A for q, k and v, as PEFT's), named so, exported, loaded back and merged.
TEST(phi3_fused_projections_match_reference_and_keep_their_names) {
  ThreadPool pool(2);
  for (bool nf4 : {false, true}) {
    TinySpec s;
    s.phi3 = true, s.nf4 = nf4, s.double_quant = nf4;
    auto r = load_tiny(s, pool, 14);
    CHECK_EQ(r.m->config().model_type, std::string("phi3"));
    check_logits_match(r, nullptr, 1e-4);
    const int64_t qd = 32, kvd = 16;
    CHECK_EQ(r.m->matmul_parameters(), int64_t(2 * ((qd + 2 * kvd) * 32 + 32 * qd + 2 * 48 * 32 + 32 * 48) + 37 * 32));
    CHECK_EQ(r.m->num_parameters(), r.m->matmul_parameters() + 37 * 32 + 2 * 2 * 32 + 32);

    // q/k/v/o and gate/up/down as the form names them adapt the fused modules.
    LoraSpec ls;
    ls.rank = 3, ls.alpha = 6, ls.targets = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
    r.m->init_lora(ls, 15);
    CHECK(r.m->lora_spec().targets == std::vector<std::string>({"qkv_proj", "o_proj", "gate_up_proj", "down_proj"}));
    CHECK_EQ(r.m->lora_parameters(), int64_t(2 * 3 * ((32 + qd + 2 * kvd) + (qd + 32) + (32 + 96) + (48 + 32))));
    randomize_b(*r.m, 16);
    RefLora lora = ref_lora(*r.m);
    CHECK(lora.ab.count("model.layers.1.self_attn.qkv_proj") == 1 && lora.ab.count("model.layers.0.mlp.gate_up_proj") == 1);
    check_logits_match(r, &lora, 1e-4);

    const std::vector<int32_t> toks = {3, 17, 0, 36, 5, 5, 21, 9, 30};
    const auto tuned = r.m->logits(toks);
    const PeftAdapter a = r.m->export_lora("tiny-phi3");
    CHECK(a.target_modules == std::vector<std::string>({"qkv_proj", "o_proj", "gate_up_proj", "down_proj"}));
    REQUIRE(a.modules.size() == size_t(2 * 4));
    CHECK_EQ(a.modules[0].module, std::string("model.layers.0.self_attn.qkv_proj"));
    CHECK_EQ(a.modules[0].out, int(qd + 2 * kvd));
    CHECK_EQ(a.modules[2].module, std::string("model.layers.0.mlp.gate_up_proj"));
    CHECK_EQ(a.modules[2].out, 2 * 48);
    r.m->clear_lora();
    r.m->load_lora(a);
    CHECK(r.m->logits(toks) == tuned);
    CHECK(r.m->lora_spec().targets == a.target_modules);
    // The file's round trip and a merge: the merged folder is a Phi-3 with the delta in qkv_proj and gate_up_proj
    // (merged into the file's weights, which the NF4 model holds quantized: compared on the unquantized model).
    if (nf4) continue;
    TempDir ad("tf-phi3-adapter"), merged("tf-phi3-merged");
    write_peft_adapter(ad.path(), a);
    merge_adapter_into_base(r.dir->path(), read_peft_adapter(ad.path()), merged.path(), pool);
    auto back = LlamaModel::load(merged.path(), Quant::None, false, pool);
    const auto got = back->logits(toks);
    double md = 0;
    for (size_t i = 0; i < got.size(); ++i) md = std::max(md, std::fabs(double(got[i]) - tuned[i]));
    CHECK(md < 0.05);  // bf16 weights in the merged folder
  }
  // One part of a fused module cannot be adapted alone; the fused names are refused on a model without them.
  TinySpec s;
  s.phi3 = true;
  auto r = load_tiny(s, pool, 14);
  CHECK_THROWS(r.m->init_lora(LoraSpec{4, 8, 0, false, {"q_proj", "v_proj"}}, 1),
               "this model computes q_proj, k_proj, v_proj in one module, qkv_proj, so LoRA adapts all of them or none");
  CHECK_THROWS(r.m->init_lora(LoraSpec{4, 8, 0, false, {"up_proj"}}, 1), "target gate_up_proj (or all of gate_proj, up_proj)");
  CHECK_THROWS(r.m->init_lora(LoraSpec{4, 8, 0, false, {"qproj"}}, 1),
               "unknown LoRA target 'qproj' (supported: qkv_proj, o_proj, gate_up_proj, down_proj)");
  r.m->init_lora(LoraSpec{4, 8, 0, false, {"gate_up_proj", "qkv_proj"}}, 1);
  CHECK(r.m->lora_spec().targets == std::vector<std::string>({"qkv_proj", "gate_up_proj"}));
  auto llama = load_tiny(TinySpec{}, pool, 14);
  CHECK_THROWS(llama.m->init_lora(LoraSpec{4, 8, 0, false, {"qkv_proj"}}, 1),
               "LoRA target 'qkv_proj' is a fused module of Phi-3; this model has q_proj, k_proj, v_proj, o_proj");
  // An adapter of the unfused family does not load into a Phi-3.
  llama.m->init_lora(LoraSpec{}, 2);
  CHECK_THROWS(r.m->load_lora(llama.m->export_lora("llama")), "model.layers.0.self_attn.q_proj does not exist in this base");
}

TEST(forward_matches_reference_llama3_rope_scaling_mqa) {
  ThreadPool pool(2);
  TinySpec s;
  s.llama3 = true, s.nkv = 1, s.theta = 500000.0;
  auto r = load_tiny(s, pool, 3);
  check_logits_match(r, nullptr, 1e-4);
}

TEST(forward_matches_reference_nf4_and_double_quant) {
  ThreadPool pool(2);
  for (bool dq : {false, true}) {
    TinySpec s;
    s.nf4 = true, s.double_quant = dq, s.tie = dq;
    auto r = load_tiny(s, pool, 4);
    check_logits_match(r, nullptr, 1e-4);
    // NF4 holds ~0.5 bytes per projection parameter instead of 4
    TinySpec d = s;
    d.nf4 = false;
    auto dense = load_tiny(d, pool, 4);
    CHECK(r.m->weight_bytes() < dense.m->weight_bytes());
  }
}

TEST(forward_with_adapter_matches_reference) {
  ThreadPool pool(2);
  TinySpec s;
  s.nf4 = true;
  auto r = load_tiny(s, pool, 5);
  LoraSpec ls;
  ls.rank = 4, ls.alpha = 8, ls.targets = {"q_proj", "v_proj", "o_proj", "gate_proj", "down_proj"};
  r.m->init_lora(ls, 11);
  // PEFT init: B = 0, so the adapted model starts exactly at the base.
  const std::vector<int32_t> toks = {1, 2, 3, 4};
  const auto with = r.m->logits(toks);
  randomize_b(*r.m, 12);
  RefLora lora = ref_lora(*r.m);
  check_logits_match(r, &lora, 1e-4);
  r.m->clear_lora();
  CHECK(r.m->logits(toks) == with);
  CHECK_NEAR(ls.alpha / ls.rank, 2.0, 0);
}

TEST(lora_init_follows_peft) {
  ThreadPool pool(1);
  auto r = load_tiny(TinySpec{}, pool);
  LoraSpec ls;
  ls.rank = 8, ls.alpha = 16, ls.rslora = true, ls.targets = {"k_proj", "up_proj"};
  r.m->init_lora(ls, 3);
  CHECK_NEAR(r.m->lora_scaling(), 16 / std::sqrt(8.0), 1e-6);
  auto ps = r.m->lora_params();
  REQUIRE(ps.size() == 2u * 2 * 2);  // 2 layers x 2 modules x (A, B)
  CHECK_EQ(ps[0].name, std::string("model.layers.0.self_attn.k_proj.lora_A"));
  CHECK_EQ(ps[3].name, std::string("model.layers.0.mlp.up_proj.lora_B"));
  const float bound = 1 / std::sqrt(32.f);
  float amax = 0;
  for (size_t i = 0; i < ps[0].n; ++i) amax = std::max(amax, std::fabs(ps[0].w[i]));
  CHECK(amax <= bound && amax > 0.8f * bound);
  for (size_t i = 0; i < ps[1].n; ++i) CHECK_EQ(ps[1].w[i], 0.f);
  CHECK_EQ(r.m->lora_parameters(), int64_t(2 * (8 * 32 + 16 * 8 + 8 * 32 + 48 * 8)));
  CHECK_THROWS(r.m->init_lora(LoraSpec{4, 8, 0, false, {"qproj"}}, 1), "unknown LoRA target 'qproj'");
}

TEST(adapter_export_load_round_trip_and_wrong_base) {
  ThreadPool pool(2);
  auto r = load_tiny(TinySpec{}, pool);
  r.m->init_lora(LoraSpec{}, 5);
  randomize_b(*r.m, 6);
  const std::vector<int32_t> toks = {4, 8, 15, 16, 23, 42 % 37};
  const auto before = r.m->logits(toks);
  const PeftAdapter a = r.m->export_lora("tiny");
  CHECK_EQ(a.modules.size(), size_t(2 * 4));
  CHECK_EQ(a.modules[0].module, std::string("model.layers.0.self_attn.q_proj"));
  r.m->clear_lora();
  r.m->load_lora(a);
  CHECK(r.m->logits(toks) == before);
  PeftAdapter bad = a;
  bad.modules[1].in = 64;
  CHECK_THROWS(r.m->load_lora(bad), "made for another base");
  bad = a;
  bad.modules[0].module = "model.layers.7.self_attn.q_proj";
  CHECK_THROWS(r.m->load_lora(bad), "does not exist in this base");
  CHECK(r.m->logits(toks) == before);  // a rejected adapter leaves the loaded one in place
}

// The decoding tests' models: biases and a plain fp32 base; NF4 + double quant, tied embeddings, one kv head and
// llama3 RoPE scaling; Qwen3; Gemma 3; Phi-3; Granite; Mistral's window on every layer; SmolLM3; OLMo 2; Gemma 2;
// GLM-4; Qwen3 with yarn; OLMo 3 with yarn; EXAONE 4.0; Ministral 3; LFM2.
std::vector<TinySpec> decode_specs() {
  TinySpec a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q;
  a.bias = true;
  b.nf4 = true, b.double_quant = true, b.tie = true, b.nkv = 1, b.llama3 = true;
  c.qk_norm = true, c.hd = 16;  // Qwen3: the cached keys are normalized before RoPE
  // Gemma 3: layer 0's 3-key window slides past the cached keys as decoding goes on.
  d.gemma = true, d.tie = true, d.hd = 16, d.window = 3, d.qpas = 24;
  e.phi3 = true, e.nf4 = true;  // Phi-3: the fused projections' rows split into the cache
  f.phi3 = true, f.longrope = true, f.rotary = 6, f.nkv = 1;  // Phi-4-mini: the cached keys partly rotated, scaled
  g.granite = true, g.tie = true;  // Granite: the queries scaled, the residual adds and the logits too
  h.window_all = 3, h.nf4 = true;  // Mistral: every layer's window slides past the cached keys
  i.smollm3 = true;  // SmolLM3: its NoPE layer caches keys unrotated
  j.olmo2 = true;  // OLMo 2: no input norms, whole-row q/k norms before the cache
  k.gemma2 = true, k.tie = true, k.window = 3, k.qpas = 12;  // Gemma 2: capped scores over the cache, capped logits
  l.glm4 = true, l.nf4 = true;  // GLM-4: keys cached half rotated, in interleaved pairs
  m.qk_norm = true, m.hd = 16, m.yarn = true;  // yarn: the cached keys rotated at blended frequencies, scaled
  n.olmo2 = n.olmo3 = n.yarn = true;  // OLMo 3: a window and unscaled keys on layer 0, yarn's on layer 1
  o.exaone4 = true, o.hd = 16;  // EXAONE 4.0: a window on layer 0, its NoPE layer 1 caching keys unrotated
  p.ministral3 = true;  // Ministral 3: the queries' temperature by their absolute position, prefill and steps alike
  q.lfm2 = true, q.nf4 = true, q.tie = true;  // LFM2: layer 0's convolution carries its last two inputs in the cache
  return {a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q};
}

TEST(kv_cache_decode_matches_full_forward) {
  ThreadPool pool(2);
  for (const TinySpec& s : decode_specs()) {
    auto r = load_tiny(s, pool, 7);
    r.m->init_lora(LoraSpec{}, 8);
    randomize_b(*r.m, 9);
    const std::vector<int32_t> toks = {5, 9, 2, 30, 11, 7, 7};
    const auto full = r.m->logits(toks);
    auto cache = r.m->new_cache(16);
    std::vector<float> last(s.V);
    r.m->decode(*cache, toks.data(), 3, last.data());  // prefill
    for (int v = 0; v < s.V; ++v) CHECK_NEAR(last[v], full[2 * s.V + v], 1e-5);
    for (size_t t = 3; t < toks.size(); ++t) {
      r.m->decode(*cache, &toks[t], 1, last.data());
      for (int v = 0; v < s.V; ++v) CHECK_NEAR(last[v], full[t * s.V + v], 1e-5);
    }
    CHECK_EQ(cache->len, 7);
    std::vector<int32_t> many(10, 1);
    CHECK_THROWS(r.m->decode(*cache, many.data(), 10, last.data()), "KV cache full");
    CHECK_THROWS(r.m->new_cache(r.m->config().max_position_embeddings + 1), "max_position_embeddings");  // 65; 257 with yarn
  }
}

TEST(batched_decode_step_matches_each_sequence_on_its_own) {
  ThreadPool pool(2);
  for (const TinySpec& s : decode_specs()) {
    auto r = load_tiny(s, pool, 7);
    r.m->init_lora(LoraSpec{}, 8);
    randomize_b(*r.m, 9);
    // Three sequences of different lengths (so different positions), each then advanced by one token per step
    // together; each must see the logits a full forward of its own tokens gives.
    const std::vector<std::vector<int32_t>> seqs = {{5, 9, 2, 30, 11, 7, 7}, {1, 2, 3, 4, 5, 6}, {30, 29, 28, 27, 26}};
    const std::vector<int> prefill = {3, 1, 2};
    std::vector<std::unique_ptr<LlamaModel::KVCache>> caches;
    std::vector<float> last(s.V);
    for (size_t i = 0; i < seqs.size(); ++i) {
      caches.push_back(r.m->new_cache(16));
      r.m->decode(*caches[i], seqs[i].data(), prefill[i], last.data());
    }
    std::vector<std::vector<float>> full;
    for (const auto& q : seqs) full.push_back(r.m->logits(q));
    std::vector<float> logits(3 * s.V);
    for (int step = 0; step < 3; ++step) {
      std::vector<LlamaModel::KVCache*> cs;
      std::vector<int32_t> toks;
      for (size_t i = 0; i < seqs.size(); ++i) cs.push_back(caches[i].get()), toks.push_back(seqs[i][prefill[i] + step]);
      r.m->decode_step(cs.data(), toks.data(), 3, logits.data());
      for (size_t i = 0; i < seqs.size(); ++i) {
        const int64_t t = prefill[i] + step;
        for (int v = 0; v < s.V; ++v) CHECK_NEAR(logits[i * s.V + v], full[i][t * s.V + v], 1e-5);
        CHECK_EQ(caches[i]->len, int(t + 1));
      }
    }
    // Bad steps are refused before anything is written.
    std::vector<LlamaModel::KVCache*> twice = {caches[0].get(), caches[0].get()};
    const std::vector<int32_t> two = {1, 2};
    CHECK_THROWS(r.m->decode_step(twice.data(), two.data(), 2, logits.data()), "sequences 0 and 1 share one KV cache");
    std::vector<LlamaModel::KVCache*> pair = {caches[1].get(), caches[2].get()};
    const std::vector<int32_t> oov = {1, s.V};
    CHECK_THROWS(r.m->decode_step(pair.data(), oov.data(), 2, logits.data()), "is outside the vocabulary");
    auto small = r.m->new_cache(1);
    r.m->decode(*small, two.data(), 1, last.data());
    std::vector<LlamaModel::KVCache*> full_one = {caches[1].get(), small.get()};
    CHECK_THROWS(r.m->decode_step(full_one.data(), two.data(), 2, logits.data()), "KV cache 1 full");
    CHECK_EQ(caches[1]->len, 4);  // one prefill token + three steps: the refused steps wrote nothing
    CHECK_EQ(caches[2]->len, 5);
  }
}

TEST(host_decoder_steps_through_the_models_batched_decode) {
  ThreadPool pool(2);
  auto r = load_tiny(TinySpec{}, pool, 5);
  auto other = load_tiny(TinySpec{}, pool, 6);
  const auto dec = host_decoder(*r.m);
  // Two sequences through the Decoder interface, each checked against the model's own single-sequence decode.
  const std::vector<std::vector<int32_t>> prompts = {{3, 1, 4, 1, 5}, {9, 2}};
  std::vector<std::unique_ptr<DecodeCache>> caches;
  std::vector<std::unique_ptr<LlamaModel::KVCache>> own;
  std::vector<float> last(size_t(r.m->config().vocab_size)), expect(last.size());
  for (const auto& p : prompts) {
    caches.push_back(dec->new_decode_cache(12));
    dec->decode(*caches.back(), p.data(), int(p.size()), last.data());
    own.push_back(r.m->new_cache(12));
    r.m->decode(*own.back(), p.data(), int(p.size()), expect.data());
  }
  const std::vector<int32_t> next = {7, 8};
  std::vector<DecodeCache*> cs = {caches[0].get(), caches[1].get()};
  std::vector<float> logits(2 * last.size());
  dec->decode_step(cs.data(), next.data(), 2, logits.data());
  for (size_t i = 0; i < 2; ++i) {
    r.m->decode(*own[i], &next[i], 1, expect.data());
    for (size_t v = 0; v < expect.size(); ++v) CHECK_NEAR(logits[i * expect.size() + v], expect[v], 1e-5);
    CHECK_EQ(cs[i]->len(), int(prompts[i].size()) + 1);
  }
  // A cache made by another model's decoder is refused, naming which one.
  const auto foreign = host_decoder(*other.m)->new_decode_cache(12);
  std::vector<DecodeCache*> mixed = {caches[0].get(), foreign.get()};
  CHECK_THROWS(dec->decode_step(mixed.data(), next.data(), 2, logits.data()), "cache 1 belongs to another model or backend");
}

TEST(isa_paths_agree_on_logits) {
  ThreadPool pool(2);
  auto r = load_tiny(TinySpec{}, pool);
  const kernels::Isa saved = kernels::active_isa();
  const std::vector<int32_t> toks = {1, 5, 9, 13, 17, 21, 25, 29, 33};
  kernels::set_active_isa(kernels::Isa::Scalar);
  const auto scalar = r.m->logits(toks);
  for (int i = 1; i <= int(kernels::detected_isa()); ++i) {
    kernels::set_active_isa(kernels::Isa(i));
    CHECK(max_abs_diff(r.m->logits(toks), scalar) < 2e-5);
  }
  kernels::set_active_isa(saved);
}

TEST(bad_input_gives_clear_errors) {
  ThreadPool pool(1);
  auto r = load_tiny(TinySpec{}, pool);
  std::vector<int32_t> oov = {1, 2, 37};
  CHECK_THROWS(r.m->logits(oov), "token id 37 at position 2 is outside the vocabulary");
  std::vector<int32_t> longseq(65, 1);
  CHECK_THROWS(r.m->logits(longseq), "exceeds max_position_embeddings (64)");
  Batch b = packed_batch(37, 1);
  Rng rng(0);
  CHECK_THROWS(r.m->forward_backward(b, 1.f, false, rng, false), "needs a LoRA adapter");
  b.targets[3] = 99;
  CHECK_THROWS(r.m->forward_loss(b), "target id 99");
  b = packed_batch(37, 1);
  b.positions[4] = 64;
  CHECK_THROWS(r.m->forward_loss(b), "position 64 at index 4");
  b = packed_batch(37, 1);
  b.tokens.pop_back();
  CHECK_THROWS(r.m->forward_loss(b), "expected B*T = 12");
}

TEST(load_errors_name_the_tensor) {
  ThreadPool pool(1);
  TempDir dir("tf-bad");
  TinySpec s;
  TinyModel tm = write_tiny_model(dir.path(), s, 1);
  // Rewrite without one tensor, then with a wrong shape.
  std::vector<TensorToWrite> out;
  for (auto& [name, v] : tm.w)
    if (name != "model.layers.1.mlp.up_proj.weight") out.push_back({name, DType::F32, tm.shape[name], v.data()});
  write_safetensors(dir.file("model.safetensors"), out);
  CHECK_THROWS(LlamaModel::load(dir.path(), Quant::None, false, pool), "model.layers.1.mlp.up_proj.weight");
  // NF4 reads through the reused buffer: the same error.
  CHECK_THROWS(LlamaModel::load(dir.path(), Quant::NF4, true, pool), "missing tensor model.layers.1.mlp.up_proj.weight (required by config.json)");
  std::vector<float> wrong(33 * 32, 0.f);
  out.push_back({"model.layers.1.mlp.up_proj.weight", DType::F32, {33, 32}, wrong.data()});
  write_safetensors(dir.file("model.safetensors"), out);
  CHECK_THROWS(LlamaModel::load(dir.path(), Quant::NF4, false, pool), "model.layers.1.mlp.up_proj.weight");
  // The norms only some families have are required by their config.json too: Qwen3's q_norm, Gemma 3's
  // post-feedforward norm.
  for (auto [spec_qk, spec_gemma, name] : {std::tuple{true, false, "model.layers.0.self_attn.q_norm.weight"},
                                           std::tuple{false, true, "model.layers.1.post_feedforward_layernorm.weight"}}) {
    TempDir d2("tf-bad-norm");
    TinySpec n;
    n.qk_norm = spec_qk, n.gemma = spec_gemma, n.tie = spec_gemma;
    TinyModel m = write_tiny_model(d2.path(), n, 2);
    std::vector<TensorToWrite> kept;
    for (auto& [t, v] : m.w)
      if (t != name) kept.push_back({t, DType::F32, m.shape[t], v.data()});
    write_safetensors(d2.file("model.safetensors"), kept);
    CHECK_THROWS(LlamaModel::load(d2.path(), Quant::None, false, pool),
                 std::string("missing tensor ") + name + " (required by config.json)");
  }
}
