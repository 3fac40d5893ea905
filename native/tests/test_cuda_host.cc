// Host-side logic of the CUDA backend (native/cuda/host/launch_plan.h), on the CPU: launch shapes, the
// vocabulary chunking of the fused cross-entropy, AdamW's per-step scalars against the CPU optimizer, bf16
// rounding and the tolerance arithmetic cuda_check relies on. The kernels themselves need a GPU
// (native/gpu/check.sh); everything they compute on the host is checked here.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "harness.h"
#include "host/case_selection.h"
#include "host/launch_plan.h"
#include "train/adamw.h"

using namespace tf::cuda;

TEST(elementwise_grid_covers_n_and_caps_blocks) {
  CHECK_EQ(elementwise_grid(0).blocks, 0);
  CHECK_EQ(elementwise_grid(1).blocks, 1);
  CHECK_EQ(elementwise_grid(256).blocks, 1);
  CHECK_EQ(elementwise_grid(257).blocks, 2);
  CHECK_EQ(elementwise_grid(257).threads, 256);
  // Capped: the kernels' grid-stride loops cover the rest.
  const Grid1D big = elementwise_grid(int64_t(1) << 40, 256, 1024);
  CHECK_EQ(big.blocks, 1024);
  CHECK_THROWS(elementwise_grid(-1), "negative element count");
  CHECK_THROWS(elementwise_grid(10, 100), "multiple of 32");
}

TEST(bf16x8_groups_need_every_pointer_aligned) {
  alignas(16) uint16_t buf[64] = {};
  CHECK_EQ(bf16x8_groups(64, {buf, buf + 8, buf + 16}), int64_t(8));
  CHECK_EQ(bf16x8_groups(67, {buf}), int64_t(8));           // 3 left over, taken one at a time
  CHECK_EQ(bf16x8_groups(64, {buf, buf + 1}), int64_t(0));  // one view at an odd offset: all element-wise
  CHECK_EQ(bf16x8_groups(7, {buf}), int64_t(0));
  CHECK(aligned16({buf, buf + 8}));
  CHECK(!aligned16({buf, buf + 4}));
  CHECK_EQ(bf16x8_grid(67, 8).blocks, 1);
  CHECK_EQ(bf16x8_grid(8 * 256 * 3, 256 * 3).blocks, 3);    // a thread per group
  CHECK_EQ(bf16x8_grid(600, 0).blocks, 3);                  // a thread per element
  CHECK_EQ(bf16x8_grid(0, 0).blocks, 0);
}

TEST(nf4_bf16x8_groups_need_whole_bytes_in_one_block) {
  alignas(16) uint8_t packed[64] = {};
  alignas(16) uint16_t out[64] = {};
  CHECK_EQ(nf4_bf16x8_groups(0, 64, packed, out), int64_t(8));
  CHECK_EQ(nf4_bf16x8_groups(2048, 67, packed, out), int64_t(8));  // a row range from row 1 of a 2048-wide tensor
  CHECK_EQ(nf4_bf16x8_groups(1665, 64, packed, out), int64_t(0));  // starts mid-group (and on a low nibble)
  CHECK_EQ(nf4_bf16x8_groups(0, 64, packed + 2, out), int64_t(0));  // codes not 4-byte aligned
  CHECK_EQ(nf4_bf16x8_groups(0, 64, packed, out + 1), int64_t(0));  // out not 16-byte aligned
}

TEST(rope_launch_computes_each_angle_once_per_row) {
  RopeLaunch l = rope_launch(8192, 32, 32);  // Llama-3.2-1B's queries: hd 64
  CHECK_EQ(l.blocks, int64_t(8192));
  CHECK_EQ(l.threads_x, 32);
  CHECK_EQ(l.threads_y, 4);  // each angle computed 4 times per row, not once per head (32)
  l = rope_launch(4096, 8, 64);  // 8B's keys: hd 128
  CHECK_EQ(l.threads_x, 64);
  CHECK_EQ(l.threads_y, 2);
  l = rope_launch(5, 1, 20);  // hd 40, one head: a warp with 12 idle lanes
  CHECK_EQ(l.threads_x, 32);
  CHECK_EQ(l.threads_y, 1);
  l = rope_launch(5, 4, 200);  // hd 400: the pairs loop over 128 lanes
  CHECK_EQ(l.threads_x, 128);
  CHECK_EQ(l.threads_y, 1);
  CHECK_EQ(rope_launch(0, 4, 32).blocks, int64_t(0));
  CHECK_THROWS(rope_launch(int64_t(1) << 31, 4, 32), "outside [0, 2^31)");
}

TEST(gemm_grid_tiles_round_up) {
  GemmGrid g = gemm_grid(1, 1);
  CHECK_EQ(g.tiles_m, 1);
  CHECK_EQ(g.tiles_n, 1);
  g = gemm_grid(kGemmTileM, kGemmTileN + 1);
  CHECK_EQ(g.tiles_m, 1);
  CHECK_EQ(g.tiles_n, 2);
  g = gemm_grid(2048 * 4, 128256);  // 4 x 2048 tokens against the Llama 3 vocabulary
  CHECK_EQ(g.tiles_m, 64);
  CHECK_EQ(g.tiles_n, 1002);
  CHECK_THROWS(gemm_grid(int64_t(65536) * kGemmTileM, 1), "65535 row tiles");
}

TEST(gemm_validate_names_the_bad_leading_dimension) {
  gemm_validate(false, true, 4, 8, 16, 16, 16, 8);   // y = x Wᵀ: A [4,16], B stored [8,16]
  gemm_validate(true, false, 16, 8, 4, 16, 8, 8);    // dW = dyᵀ x: A stored [4,16], B [4,8]
  gemm_validate(false, false, 4, 8, 16, 20, 10, 9);  // padded rows are fine
  CHECK_THROWS(gemm_validate(false, false, 4, 8, 16, 15, 8, 8), "lda = 15 is smaller than A's stored row of 16");
  CHECK_THROWS(gemm_validate(true, false, 4, 8, 16, 3, 8, 8), "A stored [K,M]");
  CHECK_THROWS(gemm_validate(false, true, 4, 8, 16, 16, 8, 8), "ldb = 8 is smaller than B's stored row of 16");
  CHECK_THROWS(gemm_validate(false, false, 4, 8, 16, 16, 8, 7), "ldc = 7");
  CHECK_THROWS(gemm_validate(false, false, -1, 8, 16, 16, 8, 8), "negative dimension");
}

TEST(ce_chunks_partition_the_vocabulary) {
  for (int64_t V : {1, 100, 8192, 8193, 32003, 128256}) {
    const CeChunks p = ce_chunks(V);
    int64_t covered = 0, prev_end = 0;
    for (int64_t c = 0; c < p.count; ++c) {
      const int64_t b = ce_chunk_begin(p, c), e = ce_chunk_end(p, V, c);
      CHECK_EQ(b, prev_end);  // contiguous, no overlap
      CHECK(e > b);           // no empty chunk
      covered += e - b;
      prev_end = e;
    }
    CHECK_EQ(covered, V);
  }
  CHECK_EQ(ce_chunks(128256).count, 16);  // 15 full chunks of 8192 + a ragged one
  CHECK_EQ(ce_chunks(100).chunk, 100);    // a small vocabulary is one chunk of its own size
  CHECK_EQ(ce_chunks(100, 30).count, 4);
  CHECK_THROWS(ce_chunks(0), "vocabulary size must be > 0");
  CHECK_THROWS(ce_chunks(10, 0), "chunk size must be > 0");
}

// The GPU kernel applies the update with these scalars using the CPU's operation order; check the scalars
// reproduce adamw_update bit for bit when applied that way on the host.
TEST(adamw_scalars_reproduce_the_cpu_update_bitwise) {
  tf::train::AdamWHyper h;
  h.weight_decay = 0.01;
  const int64_t n = 1000;
  std::vector<float> w(n), g(n), m(n), v(n);
  for (int64_t i = 0; i < n; ++i) {
    w[i] = std::sin(0.37f * i);
    g[i] = 0.01f * std::cos(1.3f * i);
    m[i] = 1e-3f * std::sin(2.1f * i);
    v[i] = 1e-5f * (1.5f + std::cos(0.7f * i));
  }
  auto w2 = w, m2 = m, v2 = v;
  for (int64_t t : {1, 7, 1000}) {
    tf::train::adamw_update(w.data(), g.data(), m.data(), v.data(), n, h, t, 2e-4);
    const AdamWScalars s = adamw_scalars(h, t, 2e-4);
    for (int64_t i = 0; i < n; ++i) {  // the kernel's sequence, one rounding per operation
      const float gi = g[i];
      w2[i] = w2[i] * s.decay;
      m2[i] = s.b1 * m2[i] + s.one_minus_b1 * gi;
      v2[i] = s.b2 * v2[i] + s.one_minus_b2 * gi * gi;
      const float denom = std::sqrt(v2[i]) / s.bc2_sqrt + s.eps;
      w2[i] = w2[i] - s.step_size * m2[i] / denom;
    }
  }
  CHECK(std::memcmp(w.data(), w2.data(), n * sizeof(float)) == 0);
  CHECK(std::memcmp(m.data(), m2.data(), n * sizeof(float)) == 0);
  CHECK(std::memcmp(v.data(), v2.data(), n * sizeof(float)) == 0);
  CHECK_THROWS(adamw_scalars(h, 0, 1e-3), "1-based");
}

TEST(clip_coefficient_matches_clip_grad_norm) {
  CHECK_EQ(clip_coefficient(2.0, 0.0), 1.0);  // clipping off
  CHECK_EQ(clip_coefficient(0.1, 1.0), 1.0);  // under the limit
  CHECK_EQ(clip_coefficient(std::numeric_limits<double>::infinity(), 1.0), 1.0);
  CHECK_NEAR(clip_coefficient(4.0, 1.0), 1.0 / (4.0 + 1e-6), 1e-15);
  // Against the CPU clip on one tensor.
  std::vector<float> w(3, 0.f), g = {3.f, 4.f, 0.f};
  std::vector<tf::train::ParamView> p = {{w.data(), g.data(), 3, "x"}};
  const double norm = tf::train::clip_grad_norm(p, 1.0);
  CHECK_NEAR(norm, 5.0, 1e-12);
  CHECK_EQ(g[0], 3.f * float(clip_coefficient(5.0, 1.0)));
}

TEST(bf16_rounding_is_nearest_even) {
  CHECK_EQ(bf16_bits(1.0f), 0x3f80);
  CHECK_EQ(bf16_value(0x3f80), 1.0f);
  // 1 + 2^-8 is exactly halfway between 1 and 1 + 2^-7: ties to even (1.0); 1 + 3*2^-8 ties up to 1 + 2^-6.
  CHECK_EQ(bf16_round(1.0f + 1.0f / 256), 1.0f);
  CHECK_EQ(bf16_round(1.0f + 3.0f / 256), 1.0f + 1.0f / 64);
  CHECK_EQ(bf16_round(1.0f + 1.0f / 256 + 1.0f / 65536), 1.0f + 1.0f / 128);  // above halfway rounds up
  CHECK_EQ(bf16_round(-2.5f), -2.5f);  // exactly representable
  CHECK(std::isnan(bf16_round(std::numeric_limits<float>::quiet_NaN())));
  CHECK(std::isinf(bf16_round(std::numeric_limits<float>::infinity())));
  CHECK(std::isinf(bf16_round(3.4e38f)));  // beyond bf16's max rounds to infinity, as __float2bfloat16_rn
  const std::vector<float> x = {0.1f, -3.3f, 1e-20f};
  const auto back = from_bf16(to_bf16(x));
  for (size_t i = 0; i < x.size(); ++i) CHECK(std::fabs(back[i] - x[i]) <= std::fabs(x[i]) / 256);
}

TEST(tolerances_follow_bf16_and_accumulation_bounds) {
  const Tolerance t = bf16_output_tolerance(1, 2.0);
  CHECK_NEAR(t.rtol, kBf16Ulp + 2 * kFp32Eps, 1e-15);
  CHECK_NEAR(t.atol, t.rtol * 1e-3 * 2.0, 1e-15);
  // Longer reductions get a looser bound, linear in the length.
  CHECK(bf16_output_tolerance(4096, 1).rtol > bf16_output_tolerance(64, 1).rtol);
  CHECK_NEAR(fp32_output_tolerance(0, 0, 2).rtol, 4 * kFp32Eps, 1e-18);
  CHECK_NEAR(gemm_tolerance(2048, 1, false).rtol, 4 * kFp32Eps + 4 * 2048 * kFp32Eps, 1e-15);
  CHECK(gemm_tolerance(2048, 1, true).rtol > kBf16Ulp);
  CHECK(t.describe().find("|terms|") != std::string::npos);
}

TEST(compare_reports_worst_ratio_and_non_finite) {
  Tolerance t;
  t.rtol = 0.01;
  t.atol = 0.001;
  // Element 1 is off by 0.02 against a bound of 0.01*1 + 0.001 = 0.011: ratio ~1.82, fails.
  Comparison c = compare({1.f, 1.02f, 0.f}, {1.0, 1.0, 0.0}, {}, t);
  CHECK(!c.pass());
  CHECK_EQ(c.worst_index, 1);
  CHECK_NEAR(c.max_abs_err, 0.02, 1e-6);
  CHECK_NEAR(c.max_ratio, 0.02 / 0.011, 1e-4);
  // A per-element scale loosens the bound where terms cancelled.
  c = compare({1.f, 1.02f}, {1.0, 1.0}, {1.0, 10.0}, t);
  CHECK(c.pass());
  // Exact tolerance: equal passes, any difference fails.
  CHECK(compare({0.5f}, {0.5}, {}, Tolerance{}).pass());
  CHECK(!compare({0.5f}, {0.50001}, {}, Tolerance{}).pass());
  // NaN where the reference is finite always fails, whatever the tolerance.
  t.rtol = 1e9;
  c = compare({std::numeric_limits<float>::quiet_NaN()}, {1.0}, {}, t);
  CHECK_EQ(c.non_finite, 1);
  CHECK(!c.pass());
  CHECK_THROWS(compare({1.f}, {1.0, 2.0}, {}, t), "reference values");
}

// ---- host/agreement.h: the whole-model comparison of cuda_model_check ----
#include "host/agreement.h"

TEST(agreement_measures_relative_l2_max_and_cosine) {
  using tf::cuda::check::agreement;
  const auto same = agreement({1.f, -2.f, 3.f}, {1.f, -2.f, 3.f});
  CHECK_EQ(same.rel_l2, 0.0);
  CHECK_NEAR(same.cosine, 1.0, 1e-12);
  // ref (3, 4): ||ref|| = 5; got (3, 4.5): ||d|| = 0.5 → 0.1; max |d| / max |ref| = 0.5 / 4.
  const auto a = agreement({3.f, 4.5f}, {3.f, 4.f});
  CHECK_NEAR(a.rel_l2, 0.1, 1e-9);
  CHECK_NEAR(a.max_rel, 0.125, 1e-9);
  CHECK_NEAR(a.cosine, (9 + 18) / (5 * std::sqrt(9 + 20.25)), 1e-9);
  // A flipped sign is caught by the cosine as well as by the error.
  const auto flip = agreement({-3.f, -4.f}, {3.f, 4.f});
  CHECK_NEAR(flip.rel_l2, 2.0, 1e-12);
  CHECK_NEAR(flip.cosine, -1.0, 1e-12);
}

TEST(agreement_fails_non_finite_and_size_mismatch) {
  using tf::cuda::check::agreement;
  const auto nan = agreement({1.f, NAN}, {1.f, 2.f});
  CHECK(!nan.finite);
  CHECK(!(nan.rel_l2 <= tf::cuda::check::kLogitsRelL2));
  const auto size = agreement({1.f}, {1.f, 2.f});
  CHECK(!size.same_size);
  CHECK(!(size.rel_l2 <= 1.0));
  // An all-zero reference compares absolutely (a gradient that should vanish).
  CHECK_NEAR(agreement({0.f, 1e-3f}, {0.f, 0.f}).rel_l2, 1e-3, 1e-9);
}

// TF_MODEL_CHECK_CASES (cuda_model_check, check.sh's step 2): the named cases run in the table's order, each once.
TEST(case_selection_keeps_table_order_and_each_case_once) {
  const std::vector<std::string> table = {"fp32 base", "hd64 nkv1, T 200", "qwen2 biases, tied", "session training"};
  CaseSelection s = select_cases(table, "session training | fp32 base|  fp32 base  ");
  CHECK(s.error.empty());
  CHECK_EQ(s.kept.size(), size_t(2));
  CHECK_EQ(s.kept[0], size_t(0));  // the table's order, not the order named
  CHECK_EQ(s.kept[1], size_t(3));
  // A name may hold a comma (split on '|' only).
  s = select_cases(table, "hd64 nkv1, T 200");
  CHECK_EQ(s.kept.size(), size_t(1));
  CHECK_EQ(s.kept[0], size_t(1));
}

TEST(case_selection_rejects_unknown_and_empty_names_with_the_list) {
  const std::vector<std::string> table = {"fp32 base", "session training"};
  CaseSelection s = select_cases(table, "fp32 base|fp16 base");
  CHECK(s.kept.empty());
  CHECK(s.error.find("names \"fp16 base\", which is not a case") != std::string::npos);
  CHECK(s.error.find("\n  fp32 base\n  session training") != std::string::npos);
  s = select_cases(table, "fp32 base||session training");
  CHECK(s.kept.empty());
  CHECK(s.error.find("TF_MODEL_CHECK_CASES has an empty name") != std::string::npos);
  s = select_cases(table, "fp32 base|", "TF_X");
  CHECK(s.error.find("TF_X has an empty name") != std::string::npos);
}
