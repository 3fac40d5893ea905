// NF4 against blocks worked out by hand from bitsandbytes' rules (reference/trainer.md): the code chosen for
// every value, midpoints resolved to the lower code, the high nibble first, the bytes that result; then
// double quantization against the dynamic map's formula and a worked example, error bounds, and memory.
#include "quant/nf4.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "harness.h"
#include "common/threadpool.h"
#include "quant/nf4_internal.h"

using namespace tf;

namespace {

// Normalized values (x / absmax) chosen by hand, and the code each must get. Midpoints between codes are the
// constants of bitsandbytes' tree; a value exactly on one takes the LOWER code (the tree tests x > mid).
const float kUp = 1.0f;  // marker: the entry is nextafter(previous entry, +inf)
struct HandValue { float v; bool next_up; int code; };
const HandValue kHand[64] = {
    {1.0f, false, 15}, {-1.0f, false, 0}, {0.0f, false, 7}, {-0.0f, false, 7},
    {0.5f, false, 12},  // between 0.4407 (12) and 0.5626 (13); midpoint 0.5017
    {-0.5f, false, 2},  // between -0.3949 (3) and -0.5251 (2); midpoint -0.4600
    {0.03979014977812767f, false, 7}, {0.03979014977812767f, true, 8},       // midpoint 7|8, then one ulp above
    {0.8614784181118011f, false, 14}, {0.8614784181118011f, true, 15},       // midpoint 14|15
    {-0.8480964004993439f, false, 0}, {-0.8480964004993439f, true, 1},       // midpoint 0|1
    {-0.045525018125772476f, false, 6}, {-0.045525018125772476f, true, 7},   // midpoint 6|7
    // The 16 codes themselves.
    {-1.0f, false, 0}, {-0.6961928009986877f, false, 1}, {-0.5250730514526367f, false, 2},
    {-0.39491748809814453f, false, 3}, {-0.28444138169288635f, false, 4}, {-0.18477343022823334f, false, 5},
    {-0.09105003625154495f, false, 6}, {0.0f, false, 7}, {0.07958029955625534f, false, 8},
    {0.16093020141124725f, false, 9}, {0.24611230194568634f, false, 10}, {0.33791524171829224f, false, 11},
    {0.44070982933044434f, false, 12}, {0.5626170039176941f, false, 13}, {0.7229568362236023f, false, 14},
    {1.0f, false, 15},
    // Ordinary values: nearest code.
    {0.25f, false, 10}, {-0.25f, false, 4}, {0.1f, false, 8}, {-0.1f, false, 6}, {0.75f, false, 14},
    {-0.75f, false, 1}, {0.6f, false, 13}, {-0.6f, false, 2}, {0.35f, false, 11}, {-0.35f, false, 3},
    {0.2f, false, 9}, {-0.2f, false, 5}, {0.03f, false, 7}, {-0.03f, false, 7}, {0.99f, false, 15},
    {-0.99f, false, 0},
    // The remaining midpoints, each resolving down.
    {0.1202552504837513f, false, 8}, {0.2035212516784668f, false, 9}, {0.2920137718319893f, false, 10},
    {0.3893125355243683f, false, 11}, {0.5016634166240692f, false, 12}, {0.6427869200706482f, false, 13},
    {-0.13791173323988914f, false, 5}, {-0.23460740596055984f, false, 4}, {-0.33967943489551544f, false, 3},
    {-0.4599952697753906f, false, 2}, {-0.6106329262256622f, false, 1},
    {0.45f, false, 12}, {-0.45f, false, 3}, {0.07f, false, 8}, {-0.07f, false, 6}, {0.9f, false, 15},
    {-0.9f, false, 0}, {0.125f, false, 9},
};
// Two codes per byte, the first element in the high nibble, worked out from the codes above.
const uint8_t kHandBytes[32] = {0xF0, 0x77, 0xC2, 0x78, 0xEF, 0x01, 0x67, 0x01, 0x23, 0x45, 0x67,
                                0x89, 0xAB, 0xCD, 0xEF, 0xA4, 0x86, 0xE1, 0xD2, 0xB3, 0x95, 0x77,
                                0xF0, 0x89, 0xAB, 0xCD, 0x54, 0x32, 0x1C, 0x38, 0x6F, 0x09};

float hand_value(int i) { return kHand[i].next_up ? std::nextafter(kHand[i].v, 2.0f * kUp) : kHand[i].v; }

std::vector<float> randn(size_t n, uint64_t seed, float scale) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; i += 2) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    double u1 = (double(seed >> 11) + 0.5) / 9007199254740992.0;
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    double u2 = double(seed >> 11) / 9007199254740992.0;
    double r = std::sqrt(-2 * std::log(u1));
    v[i] = float(scale * r * std::cos(2 * M_PI * u2));
    if (i + 1 < n) v[i + 1] = float(scale * r * std::sin(2 * M_PI * u2));
  }
  return v;
}

}  // namespace

TEST(nf4_code_table) {
  CHECK_EQ(kNf4Code[0], -1.0f);
  CHECK_EQ(kNf4Code[7], 0.0f);
  CHECK_EQ(kNf4Code[15], 1.0f);
  for (int i = 0; i < 15; ++i) CHECK(kNf4Code[i] < kNf4Code[i + 1]);
  for (int i = 0; i < 16; ++i) CHECK_EQ(int(nf4_nearest_code(kNf4Code[i])), i);
}

TEST(nf4_hand_block_codes_and_bytes) {
  for (int i = 0; i < 64; ++i) {
    if (int(nf4_nearest_code(hand_value(i))) != kHand[i].code)
      tf_test::report(__FILE__, __LINE__, "value #" + std::to_string(i) + " = " + tf_test::show(hand_value(i)) +
                                              " got code " + std::to_string(nf4_nearest_code(hand_value(i))) +
                                              ", expected " + std::to_string(kHand[i].code));
  }
  // The block scaled by 2 (exact in binary): absmax 2, the reciprocal 0.5 gives back the values exactly.
  std::vector<float> w(64);
  for (int i = 0; i < 64; ++i) w[i] = 2.0f * hand_value(i);
  Nf4Tensor t = nf4_quantize(w.data(), 4, 16, false);
  REQUIRE(t.packed.size() == 32 && t.absmax.size() == 1);
  CHECK_EQ(t.absmax[0], 2.0f);
  for (int j = 0; j < 32; ++j) {
    if (t.packed[j] != kHandBytes[j])
      tf_test::report(__FILE__, __LINE__, "byte " + std::to_string(j) + " = " + std::to_string(t.packed[j]) +
                                              ", expected " + std::to_string(kHandBytes[j]));
  }
  std::vector<float> d = nf4_dequantize(t);
  for (int i = 0; i < 64; ++i) CHECK_EQ(d[i], kNf4Code[kHand[i].code] * 2.0f);
  // Rows 1..3 alone (elements 16..47) come out the same as the middle of the full dequantization.
  std::vector<float> part(32);
  nf4_dequantize_rows(t, 1, 3, part.data());
  CHECK(std::equal(part.begin(), part.end(), d.begin() + 16));
}

TEST(nf4_blocks_tail_odd_columns_and_zero_block) {
  // 3 x 45 = 135 values: blocks [0,64), [64,128) and a 7-value tail; the tail's last byte pads with 0.0
  // (code 7). Block 1 is all zeros: bitsandbytes computes 0 * (1/0) = NaN, so every code is 0 (-1.0).
  std::vector<float> w(135, 0.0f);
  for (int i = 0; i < 64; ++i) w[i] = 0.5f * hand_value(i);
  const float tail[7] = {0.3f, -0.1f, 0.0f, 0.05f, -0.3f, 0.2f, 0.15f};
  for (int i = 0; i < 7; ++i) w[128 + i] = tail[i];
  Nf4Tensor t = nf4_quantize(w.data(), 3, 45, false);
  REQUIRE(t.num_blocks() == 3 && t.packed.size() == 68);
  CHECK_EQ(t.absmax[0], 0.5f);
  CHECK_EQ(t.absmax[1], 0.0f);
  CHECK_EQ(t.absmax[2], 0.3f);
  for (int j = 0; j < 32; ++j) CHECK_EQ(t.packed[j], kHandBytes[j]);
  for (int j = 32; j < 64; ++j) CHECK_EQ(t.packed[j], 0x00);
  // Tail / 0.3 (times the float reciprocal): 1 -> 15, -0.333 -> 4 (-0.3397 < x), 0 -> 7, 0.1667 -> 9,
  // -1 -> 0, 0.6667 -> 14 (> 0.6428), 0.5 -> 12, and the pad 0.0 -> 7.
  CHECK_EQ(t.packed[64], 0xF4);
  CHECK_EQ(t.packed[65], 0x79);
  CHECK_EQ(t.packed[66], 0x0E);
  CHECK_EQ(t.packed[67], 0xC7);
  std::vector<float> d = nf4_dequantize(t);
  for (int i = 64; i < 128; ++i) CHECK_EQ(d[i], 0.0f);
  CHECK_EQ(d[128], 0.3f);
  CHECK_EQ(d[132], -0.3f);
  // Row 1 starts at element 45, inside a byte's low nibble.
  std::vector<float> row(45);
  nf4_dequantize_rows(t, 1, 2, row.data());
  CHECK(std::equal(row.begin(), row.end(), d.begin() + 45));
  CHECK_THROWS(nf4_dequantize_rows(t, 2, 4, row.data()), "outside a tensor of 3 rows");
  w[100] = NAN;
  CHECK_THROWS(nf4_quantize(w.data(), 3, 45, false), "non-finite value at element 100");
}

TEST(nf4_dequant_error_is_bounded_by_half_the_code_gap) {
  std::vector<float> w = randn(64 * 1000, 42, 0.02f);
  Nf4Tensor t = nf4_quantize(w.data(), 1000, 64, false);
  std::vector<float> d = nf4_dequantize(t);
  // The widest gap between neighbouring codes is -1 .. -0.6962; a value is never further than half of it.
  const float half_gap = (1.0f - 0.6961928009986877f) / 2;
  double sum_sq = 0, sum_w = 0;
  int bad = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    float a = t.absmax[i / 64];
    if (std::fabs(w[i] - d[i]) > half_gap * a * 1.0001f) ++bad;
    sum_sq += double(w[i] - d[i]) * (w[i] - d[i]);
    sum_w += double(w[i]) * w[i];
  }
  CHECK_EQ(bad, 0);
  // NF4 on Gaussian weights: relative RMS error about 10 % (a regression guard, not a bitsandbytes figure).
  double rel = std::sqrt(sum_sq / sum_w);
  CHECK(rel > 0.05 && rel < 0.15);
}

TEST(dynamic_map_values_from_the_formula) {
  const std::vector<float>& m = dynamic_map_signed();
  REQUIRE(m.size() == 256);
  for (int i = 0; i < 255; ++i) CHECK(m[i] < m[i + 1]);
  // 127 negatives, 0, 127 positives, 1.0.
  CHECK_EQ(m[127], 0.0f);
  CHECK_EQ(m[255], 1.0f);
  // i = 0: linspace(0.1, 1, 2) = [0.1, 1] -> mean 0.55, times 1e-6.
  CHECK_NEAR(m[128], 0.55e-6, 1e-13);
  CHECK_NEAR(m[126], -0.55e-6, 1e-13);
  // i = 1: linspace(0.1, 1, 3) = [0.1, 0.55, 1] -> means 0.325, 0.775, times 1e-5.
  CHECK_NEAR(m[129], 3.25e-6, 1e-12);
  CHECK_NEAR(m[130], 7.75e-6, 1e-12);
  // i = 2: step 0.225 -> means 0.2125, 0.4375, 0.6625, 0.8875, times 1e-4.
  CHECK_NEAR(m[131], 2.125e-5, 1e-11);
  CHECK_NEAR(m[134], 8.875e-5, 1e-11);
  // i = 5: step 0.9/32 = 0.028125 -> last mean 1 - 0.0140625 = 0.9859375, times 0.1.
  CHECK_NEAR(m[190], 0.09859375, 1e-8);
  // i = 6: step 0.9/64 = 0.0140625 -> means 0.10703125 ... 0.99296875, times 1.
  CHECK_NEAR(m[191], 0.10703125, 1e-7);
  CHECK_NEAR(m[192], 0.12109375, 1e-7);
  CHECK_NEAR(m[254], 0.99296875, 1e-7);
  CHECK_NEAR(m[0], -0.99296875, 1e-7);
  for (int i = 0; i < 127; ++i) CHECK_EQ(m[i], -m[254 - i]);
  // Every positive entry against the formula evaluated in double: 10^(i-6) * (0.1 + (j + 0.5) * 0.9 / 2^i),
  // within 2 float ulps (the map is built in float32 as PyTorch does, so it is not the exact real value).
  int k = 128, far = 0;
  for (int i = 0; i < 7; ++i) {
    for (int j = 0; j < (1 << i); ++j, ++k) {
      double exact = std::pow(10.0, i - 6) * (0.1 + (j + 0.5) * 0.9 / double(1 << i));
      double ulp = std::nextafter(float(exact), 2.0f) - float(exact);
      if (std::fabs(m[k] - exact) > 2 * ulp) ++far;
    }
  }
  CHECK_EQ(k, 255);
  CHECK_EQ(far, 0);
}

TEST(dynamic_map_search_picks_the_nearest_value) {
  const std::vector<float>& m = dynamic_map_signed();
  CHECK_EQ(int(dynamic_map_quantize(m.data(), -1.0f)), 0);
  CHECK_EQ(int(dynamic_map_quantize(m.data(), 1.0f)), 255);
  CHECK_EQ(int(dynamic_map_quantize(m.data(), 0.0f)), 127);
  CHECK_EQ(int(dynamic_map_quantize(m.data(), 0.10703125f)), 191);
  uint64_t s = 99;
  int bad = 0;
  for (int k = 0; k < 100000; ++k) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    float x = float(double(s >> 11) / 9007199254740992.0 * 2 - 1);
    if (k % 2) x = std::ldexp(x, -int((s >> 3) % 20));  // many small magnitudes too
    int q = dynamic_map_quantize(m.data(), x);
    float best = INFINITY;
    for (float v : m) best = std::min(best, std::fabs(v - x));
    if (std::fabs(m[q] - x) > best) ++bad;
  }
  CHECK_EQ(bad, 0);
}

TEST(double_quant_worked_example) {
  // Three blocks whose absmax are 1, 2 and 3: offset = 2; absmax - offset = [-1, 0, 1]; absmax2 = 1;
  // codes: -1 -> map[0] = -0.99296875, 0 -> map[127], 1 -> map[255]; recovered 1.00703125, 2, 3.
  std::vector<float> w(192, 0.0f);
  w[5] = -1.0f, w[64 + 9] = 2.0f, w[128] = -3.0f;
  Nf4Tensor t = nf4_quantize(w.data(), 3, 64, true);
  CHECK(t.absmax.empty());
  CHECK_EQ(t.absmax_offset, 2.0f);
  REQUIRE(t.absmax2.size() == 1 && t.absmax_q8.size() == 3);
  CHECK_EQ(t.absmax2[0], 1.0f);
  CHECK_EQ(int(t.absmax_q8[0]), 0);
  CHECK_EQ(int(t.absmax_q8[1]), 127);
  CHECK_EQ(int(t.absmax_q8[2]), 255);
  CHECK_NEAR(t.block_absmax(0), 1.00703125, 1e-6);
  CHECK_EQ(t.block_absmax(1), 2.0f);
  CHECK_EQ(t.block_absmax(2), 3.0f);
  std::vector<float> d = nf4_dequantize(t);
  CHECK_NEAR(d[5], -1.00703125, 1e-6);
  CHECK_EQ(d[73], 2.0f);
  CHECK_EQ(d[128], -3.0f);
  CHECK_EQ(d[0], 0.0f);
  // Same packed codes as without double quant: only the statistics are compressed.
  Nf4Tensor plain = nf4_quantize(w.data(), 3, 64, false);
  CHECK(plain.packed == t.packed);
}

TEST(double_quant_absmax_recovery_and_bytes_per_parameter) {
  const int64_t rows = 2048, cols = 4096;
  std::vector<float> w = randn(size_t(rows * cols), 7, 0.02f);
  Nf4Tensor dq = nf4_quantize(w.data(), rows, cols, true);
  Nf4Tensor plain = nf4_quantize(w.data(), rows, cols, false);
  CHECK(dq.packed == plain.packed);
  REQUIRE(dq.num_blocks() == rows * cols / 64);
  CHECK_EQ(dq.absmax2.size(), size_t(dq.num_blocks() / 256));
  // Recovered absmax within half of the map's widest gap (0.0140625) times each 256-block's absmax2.
  double worst = 0, worst_rel = 0;
  for (int64_t b = 0; b < dq.num_blocks(); ++b) {
    double err = std::fabs(dq.block_absmax(b) - plain.absmax[size_t(b)]);
    worst = std::max(worst, err / dq.absmax2[size_t(b / 256)]);
    worst_rel = std::max(worst_rel, err / plain.absmax[size_t(b)]);
  }
  CHECK(worst <= 0.0140625 / 2 + 1e-6);
  // Relative to each block's own absmax the bound is looser (absmax2 is the largest |absmax - mean| of 256
  // blocks, here about as large as a typical absmax): about 1 % at worst on Gaussian weights.
  CHECK(worst_rel < 0.02);
  // 4 bits + 8 bits / 64 + 32 bits / (64 * 256) = 4.127 bits = 0.5159 bytes per parameter (4.5 bits without).
  const double n = double(rows * cols);
  CHECK_NEAR(double(dq.bytes()) / n, 0.5 + 1.0 / 64 + 4.0 / (64 * 256), 1e-6);
  CHECK_NEAR(double(dq.bytes()) * 8 / n, 4.127, 0.001);
  CHECK_NEAR(double(plain.bytes()) / n, 0.5625, 1e-9);
  // Dequantized weights with double quant stay close to the plain NF4 ones.
  std::vector<float> a = nf4_dequantize(dq), b = nf4_dequantize(plain);
  CHECK(tf_test::max_abs_diff(a, b) < 0.01 * 0.02 * 6);
}

TEST(nf4_quantize_on_a_pool_gives_the_same_bits_and_the_same_first_bad_element) {
  // Over the parallel threshold (2^14 blocks), with a ragged tail block and an odd column count.
  const int64_t rows = 1031, cols = 1023;
  std::vector<float> w = randn(size_t(rows * cols), 7, 0.02f);
  ThreadPool pool(4);
  for (bool dq : {false, true}) {
    const Nf4Tensor one = nf4_quantize(w.data(), rows, cols, dq);
    const Nf4Tensor many = nf4_quantize(w.data(), rows, cols, dq, &pool);
    CHECK(one.packed == many.packed);
    CHECK(one.absmax == many.absmax);
    CHECK(one.absmax_q8 == many.absmax_q8);
    CHECK(one.absmax2 == many.absmax2);
    CHECK_EQ(one.absmax_offset, many.absmax_offset);
  }
  // Bad values in the last and the second chunk: the error names the first in the weight, as one thread does.
  w[size_t(rows * cols - 5)] = INFINITY;
  w[400000] = NAN;
  CHECK_THROWS(nf4_quantize(w.data(), rows, cols, false, &pool), "non-finite value at element 400000");
  CHECK_THROWS(nf4_quantize(w.data(), rows, cols, false), "non-finite value at element 400000");
}

TEST(nf4_code_by_count_agrees_with_the_bitsandbytes_tree_everywhere_it_matters) {
  // Around every midpoint (8 ulps each way), a dense sweep of [-1.05, 1.05], and the special values.
  std::vector<float> xs = {0.0f, -0.0f, NAN, -NAN, INFINITY, -INFINITY, 1.0f, -1.0f, 1e-30f, -1e-30f};
  for (float m : kNf4Midpoints) {
    float lo = m, hi = m;
    for (int k = 0; k < 8; ++k) xs.push_back(lo = std::nextafter(lo, -2.0f)), xs.push_back(hi = std::nextafter(hi, 2.0f));
    xs.push_back(m);
  }
  for (int i = 0; i <= 2'000'000; ++i) xs.push_back(-1.05f + 2.1f * float(i) / 2'000'000.0f);
  int bad = 0;
  for (float x : xs)
    if (nf4_code_by_count(x) != nf4_nearest_code(x) && ++bad <= 3)
      CHECK_EQ(int(nf4_code_by_count(x)), int(nf4_nearest_code(x)));
  CHECK_EQ(bad, 0);
}
