// Whole-model LoRA gradients (Llama, Qwen2 biases, Qwen3 q/k norms, Phi-3's fused projections): finite differences of the double-precision reference loss, checkpointing
// on = off, bitwise determinism across thread counts, dropout, packing = separate sequences, ISA agreement.
#include <algorithm>

#include "harness.h"
#include "model/step_timeline.h"
#include "kernels/isa.h"
#include "test_kernels_util.h"
#include "test_model_checks.h"
#include "test_model_util.h"

using namespace tf;
using namespace tf_test;

namespace {

std::vector<std::vector<float>> grads(LlamaModel& m) {
  std::vector<std::vector<float>> g;
  for (auto& p : m.lora_params()) g.emplace_back(p.g, p.g + p.n);
  return g;
}

LossSum run(LlamaModel& m, const Batch& b, bool dropout, bool ckpt, uint64_t seed = 77) {
  m.zero_lora_grads();
  Rng rng(seed);
  return m.forward_backward(b, 1.f, dropout, rng, ckpt);
}

// A rank-3 adapter (alpha 6) on `targets`, with B ≠ 0 so every factor's gradient is non-trivial.
void adapt(Loaded& r, std::vector<std::string> targets) {
  LoraSpec ls;
  ls.rank = 3, ls.alpha = 6, ls.targets = std::move(targets);
  r.m->init_lora(ls, 1);
  randomize_b(*r.m, 2);
}

// Every LoRA gradient against central differences of the reference loss in double (step 1e-3: truncation
// error ~1e-7, far below fp32 noise of the analytic gradient).
void check_against_reference(Loaded& r, const Batch& b, const std::string& what) {
  run(*r.m, b, false, false);
  RefLora lora = ref_lora(*r.m);
  auto loss = [&] { return ref_loss(ref_logits(r.tm, &lora, b.tokens, b.B, b.T, b.positions, b.segments), b.targets, r.tm.s.V); };
  for (auto& p : r.m->lora_params()) {
    std::vector<float> w(p.w, p.w + p.n), g(p.g, p.g + p.n);
    // check_grad perturbs its own vector; mirror it into the model's storage, which the reference reads.
    auto f = [&] {
      std::copy(w.begin(), w.end(), p.w);
      return loss();
    };
    check_grad(what + " " + p.name, w, g, f, 1e-3f, 2e-5, 2e-3, std::max<size_t>(1, p.n / 23));
    std::copy(w.begin(), w.end(), p.w);
  }
}

// The same, then the gradients with checkpointing (under dropout) bitwise equal to those without: the recompute
// rebuilds what the family adds to the layer.
void check_against_reference_and_checkpointed(Loaded& r, const Batch& b, const std::string& what) {
  check_against_reference(r, b, what);
  const LossSum plain = run(*r.m, b, true, false);
  const auto g = grads(*r.m);
  const LossSum ckpt = run(*r.m, b, true, true);
  CHECK_EQ(plain.sum, ckpt.sum);
  CHECK(grads(*r.m) == g);
}

// A family's tiny model (seeded) with a rank-3 adapter on `targets`: its LoRA gradients on a packed batch against the
// reference's, and with `checkpointed` those with checkpointing bitwise equal to those without.
void check_family_grads(const TinySpec& s, uint64_t seed, std::vector<std::string> targets, const std::string& what,
                        bool checkpointed = false) {
  ThreadPool pool(2);
  auto r = load_tiny(s, pool, seed);
  adapt(r, std::move(targets));
  const Batch b = packed_batch(37, 8);
  if (checkpointed)
    check_against_reference_and_checkpointed(r, b, what);
  else
    check_against_reference(r, b, what);
}

}  // namespace

TEST(lora_grads_match_reference_fp32_gqa_all_targets) {
  ThreadPool pool(2);
  auto r = load_tiny(TinySpec{}, pool, 21);
  adapt(r, {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"});
  check_against_reference(r, packed_batch(37, 3), "fp32");
}

TEST(lora_grads_match_reference_nf4_tied_bias_llama3) {
  ThreadPool pool(2);
  TinySpec s;
  s.nf4 = true, s.double_quant = true, s.tie = true, s.bias = true, s.llama3 = true, s.nkv = 1;
  auto r = load_tiny(s, pool, 22);
  LoraSpec ls;
  ls.rank = 2, ls.alpha = 5, ls.rslora = true, ls.targets = {"q_proj", "k_proj", "v_proj", "o_proj", "down_proj"};
  r.m->init_lora(ls, 4);
  randomize_b(*r.m, 5);
  check_against_reference(r, packed_batch(37, 6), "nf4");
}

// Phi-3's fused qkv_proj / gate_up_proj: one adapter per fused module, its gradient gathered from the split parts.
TEST(lora_grads_match_reference_phi3_fused) {
  ThreadPool pool(2);
  for (bool nf4 : {false, true}) {
    TinySpec s;
    s.phi3 = true, s.nf4 = nf4, s.nkv = 1;
    auto r = load_tiny(s, pool, 23);
    LoraSpec ls;
    ls.rank = 2, ls.alpha = 4, ls.targets = {"qkv_proj", "o_proj", "gate_up_proj", "down_proj"};
    r.m->init_lora(ls, 7);
    randomize_b(*r.m, 8);
    check_against_reference(r, packed_batch(37, 9), nf4 ? "phi3 nf4" : "phi3");
    // Phi-4-mini's RoPE (6 of 8 dimensions rotated, longrope's scale) in backward too.
    TinySpec mini = s;
    mini.longrope = true, mini.rotary = 6;
    auto rm = load_tiny(mini, pool, 24);
    rm.m->init_lora(ls, 7);
    randomize_b(*rm.m, 8);
    check_against_reference(rm, packed_batch(37, 9), nf4 ? "phi4-mini nf4" : "phi4-mini");
    // The checkpoint recompute splits the fused outputs again, under the same dropout masks: bitwise the same.
    const Batch b = packed_batch(37, 7);
    r.m->init_lora(LoraSpec{2, 4, 0.2f, false, {"qkv_proj", "gate_up_proj"}}, 3);
    randomize_b(*r.m, 4);
    const LossSum full = run(*r.m, b, true, false);
    const auto g = grads(*r.m);
    CHECK_EQ(run(*r.m, b, true, true).sum, full.sum);
    CHECK(grads(*r.m) == g);
  }
}

// Qwen3's q/k norms sit between the q/k projections (and their adapters) and RoPE: their backward is on the
// gradient's way to q_proj's and k_proj's LoRA factors and, through them, to every earlier layer.
TEST(lora_grads_match_reference_qwen3_qk_norm) {
  TinySpec s;
  s.qk_norm = true, s.hd = 16, s.nkv = 1;
  check_family_grads(s, 24, kAllProjections, "qwen3");
}

// OLMo 3: the window on layer 0, its unscaled RoPE there and yarn's on layer 1, on the gradient's way to every adapter.
TEST(lora_grads_match_reference_olmo3_yarn) {
  TinySpec s;
  s.olmo2 = s.olmo3 = s.yarn = true;
  check_family_grads(s, 26, kAllProjections, "olmo3 yarn");
}

// EXAONE 4.0: per-head q/k norms under output norms, the window and RoPE on layer 0, none on layer 1.
TEST(lora_grads_match_reference_exaone4) {
  TinySpec s;
  s.exaone4 = true, s.hd = 16, s.nkv = 1;
  check_family_grads(s, 27, kAllProjections, "exaone4");
}

// yarn's blended frequencies and its cos/sin scale (0.1·ln 4 + 1) are on the gradient's way back through RoPE to q's
// and k's adapters (Qwen3 with the long-context setting).
TEST(lora_grads_match_reference_qwen3_yarn) {
  TinySpec s;
  s.qk_norm = true, s.hd = 16, s.yarn = true;
  check_family_grads(s, 25, {"q_proj", "k_proj", "v_proj", "o_proj"}, "qwen3 yarn");
}

// Gemma 3: the gradient passes through each sublayer's output norm, the GELU gate, the q/k norms, the query scale
// (query_pre_attn_scalar ≠ head_dim) and a 3-key window on the sliding layer, into every adapter.
TEST(lora_grads_match_reference_gemma3) {
  TinySpec s;
  s.gemma = true, s.tie = true, s.hd = 16, s.nkv = 2, s.window = 3, s.qpas = 12;
  check_family_grads(s, 25, kAllProjections, "gemma3");
}

// Granite: the gradient reaches each sublayer through its scaled residual add (0.5), the queries through the score
// multiplier, the embedding's scale and the logits' divisor on its way; checkpointed too (the recompute redoes the
// scaled adds).
TEST(lora_grads_match_reference_granite) {
  TinySpec s;
  s.granite = true, s.tie = true, s.nkv = 1;
  check_family_grads(s, 26, kAllProjections, "granite", true);
}

// SmolLM3: the NoPE layer's q and k gradients skip RoPE's backward; the RoPE layer's do not.
TEST(lora_grads_match_reference_smollm3) {
  TinySpec s;
  s.smollm3 = true, s.tie = true;
  check_family_grads(s, 28, {"q_proj", "k_proj", "v_proj", "o_proj"}, "smollm3");
}

// OLMo 2: the gradient passes each sublayer's output norm, skips the absent input norms (the residual stream's
// gradient joins the sublayer's input's directly), and goes through the whole-row q/k norms; checkpointed too.
TEST(lora_grads_match_reference_olmo2) {
  TinySpec s;
  s.olmo2 = true, s.nkv = 1;
  check_family_grads(s, 32, kAllProjections, "olmo2", true);
}

// Gemma 2: the gradient passes both soft caps (the logits' and the scores', each times 1 − tanh²), the output norms,
// the GELU gate and the query scale folded into q's RoPE, under a 3-key window; checkpointed too.
TEST(lora_grads_match_reference_gemma2) {
  TinySpec s;
  s.gemma2 = true, s.tie = true, s.hd = 16, s.nkv = 2, s.window = 3, s.qpas = 12;
  check_family_grads(s, 34, kAllProjections, "gemma2", true);
}

// GLM-4: the gradient through each sublayer's output norm, the fused gate_up_proj's split and the interleaved partial
// RoPE; checkpointed too.
TEST(lora_grads_match_reference_glm4) {
  TinySpec s;
  s.glm4 = true, s.nkv = 1;
  check_family_grads(s, 38, {"q_proj", "k_proj", "v_proj", "o_proj", "gate_up_proj", "down_proj"}, "glm4", true);
}

// Mistral's window on every layer: each query's gradient reaches only the last 3 keys' projections.
TEST(lora_grads_match_reference_mistral_window) {
  TinySpec s;
  s.window_all = 3, s.nkv = 1;
  check_family_grads(s, 27, {"q_proj", "k_proj", "v_proj", "o_proj"}, "mistral window");
}

// The recompute skips the down projection (its output is the next layer's input, already kept); with down
// adapted it still has to rebuild down's LoRA intermediate under the same dropout mask, so both cases run.
TEST(checkpointing_gives_identical_gradients) {
  const std::vector<std::vector<std::string>> target_sets = {{"q_proj", "v_proj", "up_proj"},
                                                             {"k_proj", "o_proj", "gate_proj", "down_proj"}};
  for (const auto& targets : target_sets) {
    for (int variant : {0, 1, 2}) {
      const bool nf4 = variant == 1;
      ThreadPool pool(2);
      TinySpec spec;
      spec.nf4 = nf4;
      spec.qk_norm = nf4;  // the recompute rebuilds the q/k norms' inputs too
      spec.gemma = variant == 2;  // and the output norms' inputs, down's output included, under a window
      auto r = load_tiny(spec, pool, 23);
      LoraSpec ls;
      ls.dropout = 0.2f, ls.targets = targets;
      r.m->init_lora(ls, 1);
      randomize_b(*r.m, 2);
      const Batch b = packed_batch(37, 7);
      const LossSum a = run(*r.m, b, true, false);
      const auto ga = grads(*r.m);
      const LossSum c = run(*r.m, b, true, true);
      CHECK_EQ(a.sum, c.sum);
      CHECK(grads(*r.m) == ga);  // same kernels on the same numbers: bitwise
    }
  }
}

// What the recompute skips, counted by the step timeline's marks: the attention forward (its output and lse are
// kept) and the down projection (its output is the next layer's kept input). The gradients are the same either way
// (above), so only counting tells a recompute that redoes everything from one that does not.
TEST(checkpoint_recompute_skips_attention_and_down_projection) {
  ThreadPool pool(2);
  TinySpec spec;
  spec.nf4 = true;
  auto r = load_tiny(spec, pool, 23);
  LoraSpec ls;
  ls.targets = {"q_proj", "v_proj", "down_proj"};  // down adapted: its LoRA intermediate is still recomputed
  r.m->init_lora(ls, 1);
  const Batch b = packed_batch(37, 7);
  tf::StepTimeline& t = r.m->step_timeline();
  t.set_enabled(true);
  auto marks_of = [&](bool ckpt) {
    t.take();
    run(*r.m, b, true, ckpt);
    const tf::StepPhaseCounts c = t.marks();
    t.take();
    return c;
  };
  const tf::StepPhaseCounts full = marks_of(false), ckpt = marks_of(true);
  t.set_enabled(false);
  const int64_t L = r.m->config().num_hidden_layers;
  auto at = [](const tf::StepPhaseCounts& c, tf::StepPhase p) { return c[size_t(p)]; };
  CHECK_EQ(at(full, tf::StepPhase::Attention), L);
  CHECK_EQ(at(ckpt, tf::StepPhase::Attention), L);
  CHECK_EQ(at(ckpt, tf::StepPhase::AttentionBackward), at(full, tf::StepPhase::AttentionBackward));
  // Recomputed frozen matmuls: q, k, v, o, gate, up in every layer (not down).
  CHECK_EQ(at(ckpt, tf::StepPhase::FrozenMatmul), at(full, tf::StepPhase::FrozenMatmul) + 6 * L);
  // Recomputed LoRA branches: the three adapted ones, down's as its intermediate alone.
  CHECK_EQ(at(ckpt, tf::StepPhase::Lora), at(full, tf::StepPhase::Lora) + 3 * L);
}

TEST(results_bitwise_identical_for_any_thread_count) {
  std::vector<std::vector<float>> ref;
  double ref_loss_sum = 0;
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    TinySpec s;
    s.nf4 = true;
    auto r = load_tiny(s, pool, 24);
    LoraSpec ls;
    ls.dropout = 0.1f;
    r.m->init_lora(ls, 1);
    randomize_b(*r.m, 2);
    const LossSum l = run(*r.m, packed_batch(37, 8), true, false);
    if (threads == 1) {
      ref = grads(*r.m), ref_loss_sum = l.sum;
    } else {
      CHECK(grads(*r.m) == ref);
      CHECK_EQ(l.sum, ref_loss_sum);
    }
  }
}

TEST(dropout_grads_match_finite_differences_of_the_same_masks) {
  ThreadPool pool(2);
  auto r = load_tiny(TinySpec{}, pool, 25);
  LoraSpec ls;
  ls.rank = 2, ls.alpha = 2, ls.dropout = 0.3f, ls.targets = {"v_proj", "gate_proj"};
  r.m->init_lora(ls, 1);
  randomize_b(*r.m, 2);
  const Batch b = packed_batch(37, 9);
  run(*r.m, b, true, false, 99);
  const auto g = grads(*r.m);
  auto ps = r.m->lora_params();
  for (size_t k = 0; k < ps.size(); ++k) {
    std::vector<float> w(ps[k].w, ps[k].w + ps[k].n);
    auto f = [&] {
      std::copy(w.begin(), w.end(), ps[k].w);
      return run(*r.m, b, true, false, 99).sum;  // same seed → same masks
    };
    // fp32 loss: a larger step, and a tolerance for its rounding noise
    check_grad("dropout " + ps[k].name, w, g[k], f, 5e-3f, 2e-3, 1e-2, std::max<size_t>(1, ps[k].n / 11));
    std::copy(w.begin(), w.end(), ps[k].w);
  }
}

TEST(packed_segments_equal_separate_sequences) {
  ThreadPool pool(2);
  auto r = load_tiny(TinySpec{}, pool, 26);
  r.m->init_lora(LoraSpec{}, 1);
  randomize_b(*r.m, 2);
  const Batch packed = packed_batch(37, 10);
  const LossSum lp = run(*r.m, packed, false, false);
  const auto gp = grads(*r.m);
  // The same three sequences, one per row, padded to T=6 with ignored targets.
  Batch sep;
  sep.B = 3, sep.T = 6;
  auto row = [&](int from, int n) {
    for (int i = 0; i < 6; ++i) {
      sep.tokens.push_back(i < n ? packed.tokens[from + i] : 0);
      sep.targets.push_back(i < n ? packed.targets[from + i] : -1);
    }
  };
  row(0, 6), row(6, 3), row(9, 3);
  const LossSum ls = run(*r.m, sep, false, false);
  CHECK_EQ(lp.count, ls.count);
  CHECK_NEAR(lp.sum, ls.sum, 1e-5 * lp.sum);
  const auto gs = grads(*r.m);
  for (size_t k = 0; k < gp.size(); ++k)
    for (size_t i = 0; i < gp[k].size(); ++i) CHECK_NEAR(gp[k][i], gs[k][i], 1e-5 + 1e-4 * std::fabs(gs[k][i]));
}

TEST(isa_paths_agree_on_gradients) {
  ThreadPool pool(2);
  auto r = load_tiny(TinySpec{}, pool, 27);
  r.m->init_lora(LoraSpec{}, 1);
  randomize_b(*r.m, 2);
  const Batch b = packed_batch(37, 11);
  const kernels::Isa saved = kernels::active_isa();
  kernels::set_active_isa(kernels::Isa::Scalar);
  run(*r.m, b, false, false);
  const auto gs = grads(*r.m);
  for (int i = 1; i <= int(kernels::detected_isa()); ++i) {
    kernels::set_active_isa(kernels::Isa(i));
    run(*r.m, b, false, false);
    const auto gi = grads(*r.m);
    for (size_t k = 0; k < gs.size(); ++k) CHECK(max_abs_diff(gi[k], gs[k]) < 1e-4);
  }
  kernels::set_active_isa(saved);
}

TEST(gradients_accumulate_across_micro_batches_and_scale_linearly) {
  ThreadPool pool(2);
  auto r = load_tiny(TinySpec{}, pool, 28);
  r.m->init_lora(LoraSpec{}, 1);
  randomize_b(*r.m, 2);
  const Batch b = packed_batch(37, 12);
  run(*r.m, b, false, false);
  const auto g1 = grads(*r.m);
  // two calls without zeroing in between = the sum; grad_scale multiplies the gradient
  Rng rng(0);
  r.m->forward_backward(b, 0.5f, false, rng, false);
  const auto g2 = grads(*r.m);
  for (size_t k = 0; k < g1.size(); ++k)
    for (size_t i = 0; i < g1[k].size(); ++i) CHECK_NEAR(g2[k][i], 1.5 * g1[k][i], 1e-6 + 1e-5 * std::fabs(g1[k][i]));
  r.m->zero_lora_grads();
  for (const auto& g : grads(*r.m))
    for (float x : g) CHECK_EQ(x, 0.f);
  // freeing the buffers changes nothing but memory
  r.m->release_workspace();
  run(*r.m, b, false, false);
  CHECK(grads(*r.m) == g1);
}

// DPO's batches (train/objective_dpo.cc): a RowScaler sees each row's loss sum before the gradient, and each row's
// gradient weighed by the scale it returns (signs differing) is the sum of each row's own pass with that scale;
// forward_loss's per-row sums are each row's loss.
TEST(a_row_scaler_weighs_each_rows_gradient_by_its_loss_and_row_sums_split_the_loss) {
  ThreadPool pool(2);
  auto r = load_tiny(TinySpec{}, pool, 29);
  r.m->init_lora(LoraSpec{}, 1);
  randomize_b(*r.m, 2);
  Batch b;  // three rows of different lengths, padded with ignored targets
  b.B = 3, b.T = 7;
  Rng tok(13);
  const int lengths[3] = {7, 4, 6};
  for (int row = 0; row < 3; ++row)
    for (int i = 0; i < 7; ++i) {
      b.tokens.push_back(int32_t(tok.next_u64() % 37));
      b.targets.push_back(i < lengths[row] - 1 ? int32_t(tok.next_u64() % 37) : -1);
    }
  const std::vector<float> scales{0.75f, -0.5f, 0.25f};
  auto one_row = [&](int row) {
    Batch s;
    s.B = 1, s.T = b.T;
    s.tokens.assign(b.tokens.begin() + row * b.T, b.tokens.begin() + (row + 1) * b.T);
    s.targets.assign(b.targets.begin() + row * b.T, b.targets.begin() + (row + 1) * b.T);
    return s;
  };
  // Per-row sums: the rows' own losses, adding up to the batch's.
  std::vector<double> sums;
  const LossSum whole = r.m->forward_loss(b, &sums);
  REQUIRE(sums.size() == 3);
  double total = 0;
  for (int row = 0; row < 3; ++row) {
    CHECK_NEAR(sums[size_t(row)], r.m->forward_loss(one_row(row)).sum, 1e-5);
    total += sums[size_t(row)];
  }
  CHECK_NEAR(total, whole.sum, 1e-6 * whole.sum);  // the rows add float losses, the total their doubles
  // Scaled rows in one pass (grad_scale 2 on top) = the rows' own passes with 2 × their scale.
  r.m->zero_lora_grads();
  Rng rng(0);
  for (int row = 0; row < 3; ++row) r.m->forward_backward(one_row(row), 2.f * scales[size_t(row)], false, rng, false);
  const auto separate = grads(*r.m);
  r.m->zero_lora_grads();
  std::vector<double> seen;
  const LossSum l = r.m->forward_backward(b, 2.f, false, rng, false, [&](const std::vector<double>& row_loss_sums) {
    seen = row_loss_sums;
    return scales;
  });
  CHECK_NEAR(l.sum, whole.sum, 1e-5 * whole.sum);  // the loss sum is not scaled
  REQUIRE(seen.size() == 3);
  for (int row = 0; row < 3; ++row) CHECK_NEAR(seen[size_t(row)], sums[size_t(row)], 1e-5);  // the pass's own losses
  const auto together = grads(*r.m);
  for (size_t k = 0; k < separate.size(); ++k)
    for (size_t i = 0; i < separate[k].size(); ++i) CHECK_NEAR(together[k][i], separate[k][i], 1e-6 + 1e-4 * std::fabs(separate[k][i]));
  // One scale per row.
  CHECK_THROWS(r.m->forward_backward(b, 1.f, false, rng, false, [](const std::vector<double>&) { return std::vector<float>{1.f, 1.f}; }),
               "the row scaler gave 2 scales for a batch of 3 rows");
}

// Ministral 3: the query temperature (1 + 0.5·ln 2 on the packed batch's positions 4 and 5) on the gradient's way to
// q_proj's adapter and every earlier layer's.
TEST(lora_grads_match_reference_ministral3) {
  TinySpec s;
  s.ministral3 = true;
  check_family_grads(s, 29, kAllProjections, "ministral3");
}

// LFM2: the gradient back through out_proj, the gated convolution (restarting at each packed segment) and in_proj on
// the conv layers, beside the attention layer's; fp32 and NF4, and the recompute of the convolution under
// checkpointing bitwise equal.
TEST(lora_grads_match_reference_lfm2) {
  for (bool nf4 : {false, true}) {
    TinySpec s;
    s.lfm2 = true, s.nf4 = nf4, s.L = 3;
    check_family_grads(s, 63, kLfm2Modules, nf4 ? "lfm2 nf4" : "lfm2", true);
  }
}
