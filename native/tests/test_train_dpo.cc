// DPO (train/preference.h) on the model level: the pair terms are the sigmoid loss and stay finite, pairs are
// built and refused as documented, and a step's LoRA gradients are the gradient of the mean DPO loss, checked
// against central differences of that loss computed in double by the reference model.
#include <cmath>

#include "common/error.h"
#include "harness.h"
#include "test_kernels_util.h"
#include "test_model_util.h"
#include "train/preference.h"

using namespace tf;
using namespace tf_test;

namespace {

// A prompt of `prompt` random tokens and an answer of `answer` tokens, the mask on the answer only.
api::Example example(Rng& rng, int V, const std::vector<int32_t>& prompt, int answer) {
  api::Example e;
  e.tokens = prompt;
  e.loss_mask.assign(prompt.size(), 0);
  for (int i = 0; i < answer; i++) {
    e.tokens.push_back(static_cast<int32_t>(rng.next_u64() % V));
    e.loss_mask.push_back(1);
  }
  return e;
}

// `n` pairs sharing a prompt each, answers of different lengths.
std::vector<api::Example> pairs(int n, int V, uint64_t seed) {
  Rng rng(seed);
  std::vector<api::Example> out;
  for (int p = 0; p < n; p++) {
    std::vector<int32_t> prompt;
    for (int i = 0; i < 3 + p % 3; i++) prompt.push_back(static_cast<int32_t>(rng.next_u64() % V));
    out.push_back(example(rng, V, prompt, 2 + p % 2));
    out.push_back(example(rng, V, prompt, 3 - p % 2));
  }
  return out;
}

// Σ ln p over a row's targets, in double, by the reference model (lora = nullptr: the base model).
double ref_logp(const TinyModel& tm, const RefLora* lora, const train::Row& r) {
  const int T = static_cast<int>(r.tokens.size());
  return -ref_loss(ref_logits(tm, lora, r.tokens, 1, T, r.positions, r.segments), r.targets, tm.s.V);
}

}  // namespace

TEST(dpo_pair_terms_are_the_sigmoid_loss_and_stay_finite) {
  const double beta = 0.1;
  // Policy = reference: every margin is exactly 0, the loss ln 2 and the weight beta / 2.
  {
    const train::PairTerms t = train::pair_terms(-5.0, -5.0, -7.0, -7.0, beta);
    CHECK_EQ(t.margin, 0.0);
    CHECK_NEAR(t.loss, std::log(2.0), 1e-15);
    CHECK_NEAR(t.weight, beta / 2, 1e-15);
  }
  // Ordinary margins against the textbook formulas.
  for (double z : {-3.0, -0.4, 0.25, 2.0, 6.0}) {
    // pi_w - ref_w = z / beta, the rejected answer unchanged.
    const train::PairTerms t = train::pair_terms(z / beta - 1.0, -1.0, -2.0, -2.0, beta);
    CHECK_NEAR(t.margin, z, 1e-12);
    CHECK_NEAR(t.loss, -std::log(1.0 / (1.0 + std::exp(-z))), 1e-12);
    CHECK_NEAR(t.weight, beta / (1.0 + std::exp(z)), 1e-12);
  }
  // Margins far past exp's range: the loss is |z| or 0 and the weight beta or 0, never inf or nan.
  const train::PairTerms bad = train::pair_terms(-1e4, 0, 0, 0, 1.0);
  CHECK_NEAR(bad.loss, 1e4, 1e-9);
  CHECK_NEAR(bad.weight, 1.0, 1e-15);
  const train::PairTerms good = train::pair_terms(1e4, 0, 0, 0, 1.0);
  CHECK_EQ(good.loss, 0.0);
  CHECK(good.weight >= 0 && good.weight < 1e-300);
}

TEST(dpo_pairs_drop_answers_cut_off_and_refuse_odd_counts) {
  Rng rng(3);
  std::vector<api::Example> ex;
  ex.push_back(example(rng, 37, {1, 2, 3}, 2));
  ex.push_back(example(rng, 37, {1, 2, 3}, 2));
  ex.push_back(example(rng, 37, {1, 2, 3, 4, 5, 6}, 2));  // chosen answer starts at token 6: cut at max_seq_len 6
  ex.push_back(example(rng, 37, {1, 2, 3}, 2));
  const train::PairRows p = train::build_pairs(ex, 6, 37, "training");
  CHECK_EQ(p.chosen.size(), (size_t)1);
  CHECK_EQ(p.rejected.size(), (size_t)1);
  CHECK_EQ(p.pairs_without_targets, (int64_t)1);
  CHECK_EQ(p.chosen[0].n_targets, (int64_t)2);
  ex.pop_back();
  CHECK_THROWS(train::build_pairs(ex, 6, 37, "training"), "in pairs (chosen, rejected), but got an odd number (3)");
  ex.push_back(example(rng, 37, {1, 2, 40}, 2));
  CHECK_THROWS(train::build_pairs(ex, 6, 37, "validation"), "validation pair 1 (rejected): token id 40");
  std::vector<api::Example> none{ex[2], ex[2]};
  CHECK_THROWS(train::make_dpo_objective(none, {}, 6, 37, 0.1, 2), "no training pair keeps a target in both answers");
}

TEST(dpo_step_gradients_are_the_gradient_of_the_mean_dpo_loss) {
  ThreadPool pool(2);
  auto r = load_tiny(TinySpec{}, pool, 31);
  LoraSpec ls;
  ls.rank = 3, ls.alpha = 6, ls.dropout = 0.f;
  ls.targets = {"q_proj", "v_proj", "o_proj", "gate_proj", "down_proj"};
  r.m->init_lora(ls, 5);
  const int V = r.tm.s.V, seq_len = 16;
  const double beta = 0.5;
  const std::vector<api::Example> ex = pairs(4, V, 9);
  // The reference is taken from the fresh adapter, then the adapter moves away from it so that margins, and with
  // them the pairs' weights, differ from pair to pair.
  std::unique_ptr<train::Objective> obj = train::make_dpo_objective(ex, ex, seq_len, V, beta, 3);
  obj->prepare(*r.m, /*resuming=*/true);  // the adapter moves before the step: it is not the reference
  randomize_b(*r.m, 6, 0.5f);

  const train::PairRows rows = train::build_pairs(ex, seq_len, V, "training");
  const size_t P = rows.chosen.size();
  REQUIRE(P == 4);
  std::vector<double> ref_w, ref_l;
  for (size_t i = 0; i < P; i++) ref_w.push_back(ref_logp(r.tm, nullptr, rows.chosen[i])), ref_l.push_back(ref_logp(r.tm, nullptr, rows.rejected[i]));
  auto dpo_loss = [&] {
    RefLora lora = ref_lora(*r.m);
    double sum = 0;
    for (size_t i = 0; i < P; i++)
      sum += train::pair_terms(ref_logp(r.tm, &lora, rows.chosen[i]), ref_w[i], ref_logp(r.tm, &lora, rows.rejected[i]), ref_l[i], beta).loss;
    return sum / double(P);
  };

  // A step over the pairs in another order than stored (the epoch's shuffle), all of them.
  const std::vector<int64_t> order{2, 0, 3, 1};
  r.m->zero_lora_grads();
  Rng rng(1);
  const train::StepFigures f = obj->step(*r.m, order, 0, 4, 2, false, rng, false);
  CHECK(f.has_rewards);
  CHECK_NEAR(f.loss, dpo_loss(), 1e-4);
  // The validation pass scores the same pairs with the same reference: the same loss and figures as the step's.
  const train::ValidFigures v = obj->validate(*r.m, 2);
  CHECK_NEAR(v.loss, f.loss, 1e-9);
  CHECK_NEAR(v.reward_margin, f.reward_margin, 1e-9);
  CHECK_EQ(v.reward_accuracy, f.reward_accuracy);
  std::printf("  dpo loss %.5f, reward accuracy %.2f, margin %.4f\n", f.loss, f.reward_accuracy, f.reward_margin);
  CHECK(f.loss != std::log(2.0));  // the adapter moved: the margins are not all 0

  for (auto& p : r.m->lora_params()) {
    std::vector<float> w(p.w, p.w + p.n), g(p.g, p.g + p.n);
    auto fn = [&] {
      std::copy(w.begin(), w.end(), p.w);
      return dpo_loss();
    };
    check_grad("dpo " + p.name, w, g, fn, 1e-3f, 2e-5, 2e-3, std::max<size_t>(1, p.n / 17));
    std::copy(w.begin(), w.end(), p.w);
  }
}

// A fresh run's first step is at the reference (LoRA B = 0): it takes the reference's scores, not the pass's, so its
// figures are exactly ln 2 and margin 0 whatever a backend's rounding in another batch's company. Here the adapter is
// moved after prepare() to make the two differ: step 1 still reports the reference, step 2 the pass's own scores.
TEST(dpo_first_step_of_a_fresh_run_takes_the_reference_scores) {
  ThreadPool pool(2);
  auto r = load_tiny(TinySpec{}, pool, 32);
  LoraSpec ls;
  ls.rank = 3, ls.alpha = 6, ls.dropout = 0.f;
  r.m->init_lora(ls, 5);
  const std::vector<api::Example> ex = pairs(4, r.tm.s.V, 9);
  std::unique_ptr<train::Objective> obj = train::make_dpo_objective(ex, {}, 16, r.tm.s.V, 0.5, 2);
  obj->prepare(*r.m, /*resuming=*/false);
  randomize_b(*r.m, 6, 0.5f);
  const std::vector<int64_t> order{0, 1, 2, 3};
  Rng rng(1);
  r.m->zero_lora_grads();
  const train::StepFigures first = obj->step(*r.m, order, 0, 4, 2, false, rng, false);
  CHECK_EQ(first.loss, std::log(2.0));
  CHECK_EQ(first.reward_margin, 0.0);
  CHECK_EQ(first.reward_accuracy, 0.0);
  const train::StepFigures second = obj->step(*r.m, order, 0, 4, 2, false, rng, false);
  CHECK(second.loss != std::log(2.0));
  CHECK(second.reward_margin != 0.0);
}
