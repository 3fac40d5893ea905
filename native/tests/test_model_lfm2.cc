// LFM2 (Lfm2ForCausalLM): the gated short convolution of its conv layers beside Qwen3-like attention layers, against
// the double-precision reference (test_model_ref_lfm2.h): logits and packed losses (the convolution restarting at
// each segment), adapters on every module, PEFT names. Its LoRA gradients: test_model_grad.cc; decoding: test_model.cc.
#include "harness.h"
#include "test_model_checks.h"
#include "test_model_util.h"

using namespace tf;
using namespace tf_test;

TEST(lfm2_conv_and_attention_layers_match_reference) {
  ThreadPool pool(2);
  for (bool nf4 : {false, true}) {
    TinySpec s;
    s.lfm2 = true, s.nf4 = nf4, s.tie = nf4, s.L = 3;  // conv, attention, conv
    auto r = load_tiny(s, pool, 61);
    const ModelConfig& c = r.m->config();
    CHECK_EQ(c.model_type, std::string("lfm2"));
    CHECK_EQ(c.intermediate_size, 48);  // two thirds of block_ff_dim 72
    CHECK(c.layer_conv == std::vector<char>({1, 0, 1}));
    CHECK_EQ(c.conv_kernel, 3);
    // 3·37·32 embedding (tied: once) + per layer the norms, the MLP and the operator (the convolution's H·3 weights).
    const int64_t mlp = 3 * 32 * 48, norms = 2 * 32, conv = 4 * 32 * 32 + 32 * 3, attn = 2 * 32 * 32 + 2 * 32 * 16 + 2 * 8;
    CHECK_EQ(r.m->num_parameters(), 37 * 32 * (nf4 ? 1 : 2) + 32 + 3 * (mlp + norms) + 2 * conv + attn);
    check_logits_match(r, nullptr, 1e-4);
    check_adapted_logits_match(r, kLfm2Modules);
  }
}

// Llama's names stand for LFM2's (o_proj for out_proj, which PEFT's name matching adapts on both kinds of layer;
// gate/up/down for w1/w3/w2; q, k and v together also for in_proj), and the adapter lists LFM2's own names under the
// checkpoint's module paths.
TEST(lfm2_adapter_names_follow_peft) {
  ThreadPool pool(2);
  TinySpec s;
  s.lfm2 = true;
  auto r = load_tiny(s, pool, 62);
  LoraSpec ls;
  ls.targets = {"q_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
  r.m->init_lora(ls, 1);
  CHECK(r.m->lora_spec().targets == std::vector<std::string>({"q_proj", "out_proj", "w1", "w3", "w2"}));
  const PeftAdapter a = r.m->export_lora("tiny-lfm2");
  std::vector<std::string> mods;
  for (const auto& t : a.modules) mods.push_back(t.module);
  CHECK(mods == std::vector<std::string>({"model.layers.0.feed_forward.w1", "model.layers.0.feed_forward.w3",
                                           "model.layers.0.feed_forward.w2", "model.layers.0.conv.out_proj",
                                           "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.out_proj",
                                           "model.layers.1.feed_forward.w1", "model.layers.1.feed_forward.w3",
                                           "model.layers.1.feed_forward.w2"}));
  // in_proj adapts the conv layers only, [3H, H]; reloading the export restores the same function.
  ls.targets = {"in_proj"};
  r.m->init_lora(ls, 2);
  randomize_b(*r.m, 3);
  const PeftAdapter b = r.m->export_lora("tiny-lfm2");
  REQUIRE(b.modules.size() == 1);
  CHECK_EQ(b.modules[0].module, std::string("model.layers.0.conv.in_proj"));
  CHECK_EQ(b.modules[0].out, 96);
  const std::vector<int32_t> toks = {4, 8, 15, 16, 23};
  const auto before = r.m->logits(toks);
  r.m->clear_lora();
  r.m->load_lora(b);
  CHECK(r.m->logits(toks) == before);
  CHECK(r.m->lora_spec().targets == std::vector<std::string>({"in_proj"}));
  // q, k and v together stand for the conv layers' in_proj too (the form's presets adapt every layer's operator).
  ls.targets = {"q_proj", "k_proj", "v_proj", "o_proj"};
  r.m->init_lora(ls, 4);
  CHECK(r.m->lora_spec().targets == std::vector<std::string>({"q_proj", "k_proj", "v_proj", "out_proj", "in_proj"}));
  CHECK_EQ(r.m->export_lora("tiny-lfm2").modules.size(), size_t(6));  // in_proj, out_proj on layer 0; q, k, v, out_proj on 1
  ls.targets = {"gate_up_proj"};
  CHECK_THROWS(r.m->init_lora(ls, 1), "this model has q_proj, k_proj, v_proj, out_proj, w1, w3, w2, in_proj");
}
