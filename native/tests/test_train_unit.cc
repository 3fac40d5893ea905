// Model-free parts of training: LR schedules against hand-computed HF values, AdamW against a hand-computed
// two-step trace, clipping, and how examples become rows and micro-batches.
#include <set>

#include "harness.h"
#include "train/adamw.h"
#include "train/batching.h"
#include "train/schedule.h"

using namespace tf::train;

TEST(warmup_steps_is_ceil_of_ratio) {
  CHECK_EQ(warmup_steps_for(10, 0.03), 1);   // ceil(0.3)
  CHECK_EQ(warmup_steps_for(100, 0.03), 3);  // ceil(3.0)
  CHECK_EQ(warmup_steps_for(101, 0.03), 4);  // ceil(3.03)
  CHECK_EQ(warmup_steps_for(10, 0.0), 0);
  CHECK_THROWS(warmup_steps_for(10, 1.5), "warmup_ratio");
}

TEST(schedules_match_hf_formulas) {
  // total 10, warmup 2: warmup is step/2; then linear (10-s)/8, cosine 0.5(1+cos(pi (s-2)/8)).
  const auto L = ScheduleKind::Linear, C = ScheduleKind::Cosine, K = ScheduleKind::Constant;
  CHECK_NEAR(schedule_multiplier(L, 0, 2, 10), 0.0, 1e-12);
  CHECK_NEAR(schedule_multiplier(L, 1, 2, 10), 0.5, 1e-12);
  CHECK_NEAR(schedule_multiplier(L, 2, 2, 10), 1.0, 1e-12);
  CHECK_NEAR(schedule_multiplier(L, 5, 2, 10), 0.625, 1e-12);
  CHECK_NEAR(schedule_multiplier(L, 9, 2, 10), 0.125, 1e-12);
  CHECK_NEAR(schedule_multiplier(L, 10, 2, 10), 0.0, 1e-12);
  CHECK_NEAR(schedule_multiplier(C, 1, 2, 10), 0.5, 1e-12);
  CHECK_NEAR(schedule_multiplier(C, 2, 2, 10), 1.0, 1e-12);
  CHECK_NEAR(schedule_multiplier(C, 4, 2, 10), 0.8535533905932737, 1e-12);  // 0.5(1+cos(pi/4))
  CHECK_NEAR(schedule_multiplier(C, 6, 2, 10), 0.5, 1e-12);
  CHECK_NEAR(schedule_multiplier(C, 10, 2, 10), 0.0, 1e-12);
  CHECK_NEAR(schedule_multiplier(K, 1, 2, 10), 0.5, 1e-12);
  CHECK_NEAR(schedule_multiplier(K, 3, 2, 10), 1.0, 1e-12);
  CHECK_NEAR(schedule_multiplier(K, 9, 0, 10), 1.0, 1e-12);
  // No warmup: the first step runs at the full rate.
  CHECK_NEAR(schedule_multiplier(C, 0, 0, 4), 1.0, 1e-12);
  CHECK_NEAR(schedule_multiplier(L, 0, 0, 4), 1.0, 1e-12);
  CHECK_EQ((int)parse_schedule("cosine"), (int)ScheduleKind::Cosine);
  CHECK_THROWS(parse_schedule("polynomial"), "cosine, linear or constant");
}

TEST(adamw_two_steps_by_hand) {
  // w=1, lr=0.1, betas (0.9, 0.999), eps 1e-8, wd 0.01; g=0.5 then g=-0.25.
  // Step 1: w=0.999 after decay, m=0.05, v=2.5e-4, step lr/0.1=1, denom 0.5 → w=0.899.
  // Step 2: w=0.898101, m=0.02, v=3.1225e-4, step 0.1/0.19, denom sqrt(3.1225e-4/1.999e-3) → 0.8714673.
  float w = 1.f, g = 0.5f;
  std::vector<ParamView> p{{&w, &g, 1, "w"}};
  AdamW opt(p, AdamWHyper{0.9, 0.999, 1e-8, 0.01});
  opt.step(p, 0.1);
  CHECK_NEAR(w, 0.899000002, 1e-6);
  CHECK_NEAR(opt.first_moments()[0][0], 0.05, 1e-8);
  CHECK_NEAR(opt.second_moments()[0][0], 2.5e-4, 1e-10);
  g = -0.25f;
  opt.step(p, 0.1);
  CHECK_NEAR(w, 0.8714672987058463, 1e-6);
  CHECK_EQ(opt.steps_taken(), (int64_t)2);
  CHECK_EQ(opt.state_bytes(), (int64_t)8);
}

TEST(adamw_rejects_bad_hyperparameters) {
  float w = 0, g = 0;
  std::vector<ParamView> p{{&w, &g, 1, "w"}};
  CHECK_THROWS(AdamW(p, AdamWHyper{1.0, 0.999, 1e-8, 0}), "beta1");
  CHECK_THROWS(AdamW(p, AdamWHyper{0.9, 0.999, 0, 0}), "eps");
}

TEST(clipping_scales_to_max_norm_and_reports_preclip_norm) {
  std::vector<float> a{3, 4}, b{12}, wa(2), wb(1);
  std::vector<ParamView> p{{wa.data(), a.data(), 2, "a"}, {wb.data(), b.data(), 1, "b"}};
  CHECK_NEAR(clip_grad_norm(p, 20.0), 13.0, 1e-12);  // below the max: untouched
  CHECK_EQ(a[0], 3.f);
  CHECK_NEAR(clip_grad_norm(p, 0.0), 13.0, 1e-12);  // disabled
  CHECK_EQ(b[0], 12.f);
  CHECK_NEAR(clip_grad_norm(p, 1.0), 13.0, 1e-12);
  CHECK_NEAR(a[0], 3.0 / (13.0 + 1e-6), 1e-7);
  CHECK_NEAR(b[0], 12.0 / (13.0 + 1e-6), 1e-7);
  CHECK_NEAR(global_grad_norm(p), 1.0, 1e-6);
}

static tf::api::Example ex(std::vector<int32_t> t, std::vector<uint8_t> m) { return {std::move(t), std::move(m)}; }

TEST(rows_take_targets_from_the_mask_and_truncate) {
  auto rs = build_rows({ex({1, 2, 3, 4}, {0, 0, 1, 1})}, 8, 10, false, 0, "training");
  REQUIRE(rs.rows.size() == 1);
  CHECK((rs.rows[0].targets == std::vector<int32_t>{-1, 3, 4, -1}));
  CHECK_EQ(rs.rows[0].n_targets, (int64_t)2);
  rs = build_rows({ex({1, 2, 3, 4}, {0, 0, 1, 1})}, 3, 10, false, 0, "training");
  CHECK((rs.rows[0].tokens == std::vector<int32_t>{1, 2, 3}));
  CHECK((rs.rows[0].targets == std::vector<int32_t>{-1, 3, -1}));
  // Nothing left to learn after truncation: dropped and counted.
  rs = build_rows({ex({1, 2, 3, 4}, {0, 0, 0, 1}), ex({1, 2}, {0, 1})}, 3, 10, false, 0, "training");
  CHECK_EQ(rs.rows.size(), (size_t)1);
  CHECK_EQ(rs.examples_without_targets, (int64_t)1);
  CHECK_THROWS(build_rows({ex({1, 12}, {0, 1})}, 8, 10, false, 0, "training"), "training example 0: token id 12");
  CHECK_THROWS(build_rows({ex({1, 2}, {0})}, 8, 10, false, 0, "validation"), "validation example 0: tokens (2)");
}

TEST(packing_keeps_examples_whole_with_their_own_positions) {
  auto rs = build_rows({ex({1, 2, 3}, {0, 1, 1}), ex({4, 5}, {0, 1}), ex({6, 7, 8, 9}, {0, 0, 0, 1})}, 5, 10, true,
                       7, "training");
  int64_t tokens = 0, targets = 0;
  for (const Row& r : rs.rows) {
    CHECK(r.tokens.size() <= 5);
    tokens += (int64_t)r.tokens.size();
    targets += r.n_targets;
    for (size_t i = 0; i < r.tokens.size(); i++)
      if (i > 0 && r.segments[i] == r.segments[i - 1]) CHECK_EQ(r.positions[i], r.positions[i - 1] + 1);
      else CHECK_EQ(r.positions[i], 0);
  }
  CHECK_EQ(tokens, (int64_t)9);
  CHECK_EQ(targets, (int64_t)4);
  CHECK(rs.rows.size() >= 2);  // 3 + 2 + 4 tokens cannot share rows of 5 all together
}

TEST(micro_batch_pads_with_a_target_free_segment) {
  auto rs = build_rows({ex({1, 2, 3}, {0, 1, 1}), ex({4, 5}, {0, 1})}, 8, 10, false, 0, "training");
  const MicroBatch mb = make_batch_in_order(rs.rows, 0, 2);
  CHECK_EQ(mb.batch.B, 2);
  CHECK_EQ(mb.batch.T, 3);
  CHECK((mb.batch.targets == std::vector<int32_t>{2, 3, -1, 5, -1, -1}));
  CHECK((mb.batch.segments == std::vector<int32_t>{0, 0, 0, 0, 0, 1}));
  CHECK((mb.batch.positions == std::vector<int32_t>{0, 1, 2, 0, 1, 0}));
  CHECK_EQ(mb.n_tokens, (int64_t)5);
  CHECK_EQ(mb.n_targets, (int64_t)3);
}

TEST(epoch_order_is_a_seeded_permutation) {
  const auto a = epoch_order(50, 3, 0), b = epoch_order(50, 3, 0), c = epoch_order(50, 3, 1), d = epoch_order(50, 4, 0);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a != d);
  CHECK_EQ(std::set<int64_t>(a.begin(), a.end()).size(), (size_t)50);
}
