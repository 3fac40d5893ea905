// Next-token selection: greedy ties, the nucleus set against hand-computed HF top-p, and seeded sampling.
#include <cmath>

#include "generate/sampler.h"
#include "harness.h"

using namespace tf::generate;

TEST(argmax_prefers_the_lowest_id_on_ties) {
  const float l[] = {0.f, 2.f, 2.f, -1.f};
  CHECK_EQ(argmax(l, 4), 1);
}

TEST(top_p_keeps_the_smallest_set_reaching_p) {
  const float l[] = {std::log(0.2f), std::log(0.5f), std::log(0.3f)};
  auto d = nucleus(l, 3, {1.f, 0.7f});  // 0.5 + 0.3 reaches 0.7
  REQUIRE(d.size() == 2);
  CHECK_EQ(d[0].first, 1);
  CHECK_EQ(d[1].first, 2);
  CHECK_NEAR(d[0].second, 0.625, 1e-6);
  CHECK_NEAR(d[1].second, 0.375, 1e-6);
  d = nucleus(l, 3, {1.f, 0.4f});  // the top token alone suffices
  REQUIRE(d.size() == 1);
  CHECK_EQ(d[0].first, 1);
  d = nucleus(l, 3, {1.f, 1.f});
  CHECK_EQ(d.size(), (size_t)3);
}

TEST(temperature_sharpens_the_distribution) {
  const float l[] = {2.f, 1.f, 0.f};
  const auto d = nucleus(l, 3, {0.5f, 1.f});  // softmax([4, 2, 0])
  const double z = std::exp(4.0) + std::exp(2.0) + 1.0;
  CHECK_NEAR(d[0].second, std::exp(4.0) / z, 1e-9);
  CHECK_NEAR(d[2].second, 1.0 / z, 1e-9);
}

TEST(sampling_is_seeded_and_follows_the_distribution) {
  const float l[] = {std::log(0.2f), std::log(0.5f), std::log(0.3f)};
  tf::Rng a(42), b(42);
  int counts[3] = {0, 0, 0};
  bool same = true;
  const int n = 20000;
  for (int i = 0; i < n; i++) {
    const int32_t x = sample_token(l, 3, {1.f, 1.f}, a);
    same = same && x == sample_token(l, 3, {1.f, 1.f}, b);
    counts[x]++;
  }
  CHECK(same);
  CHECK_NEAR(counts[0] / (double)n, 0.2, 0.02);
  CHECK_NEAR(counts[1] / (double)n, 0.5, 0.02);
  CHECK_NEAR(counts[2] / (double)n, 0.3, 0.02);
  // Greedy ignores the rng.
  CHECK_EQ(sample_token(l, 3, {0.f, 0.3f}, a), 1);
}

TEST(sampler_options_are_validated) {
  CHECK_THROWS(validate_sampler({-1.f, 1.f}), "temperature");
  CHECK_THROWS(validate_sampler({1.f, 0.f}), "top_p");
  CHECK_THROWS(validate_sampler({1.f, 1.5f}), "top_p");
}
