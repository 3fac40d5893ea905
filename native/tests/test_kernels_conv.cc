// LFM2's gated short convolution (kernels/short_conv.h): its backward by finite differences, segments that restart
// the convolution, and decoding position by position equal to the whole pass.
#include <vector>

#include "common/threadpool.h"
#include "harness.h"
#include "kernels/short_conv.h"
#include "test_kernels_util.h"

using namespace tf;
using namespace tf::kernels;
using namespace tf_test;

namespace {
// Two rows of 7: row 0 one sequence, row 1 segments of 2 and 5 (first positions 0 and 2).
const std::vector<int32_t> kSegStart = {0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2};
}  // namespace

TEST(short_conv_backward_matches_finite_differences) {
  ThreadPool pool(2);
  const ConvShape s{2, 7, 5, 3};
  const int64_t N = 14, H = 5;
  std::vector<float> bcx = randv(N * 3 * H, 1), w = randv(H * 3, 2), r = randv(N * H, 3);
  std::vector<float> conv(N * H), y(N * H), dbcx(N * 3 * H);
  short_conv_forward(&pool, s, bcx.data(), w.data(), kSegStart.data(), conv.data(), y.data());
  short_conv_backward(&pool, s, r.data(), bcx.data(), conv.data(), w.data(), kSegStart.data(), dbcx.data());
  auto loss = [&] {
    short_conv_forward(nullptr, s, bcx.data(), w.data(), kSegStart.data(), conv.data(), y.data());
    return dot(r, y);
  };
  check_grad("short_conv dbcx", bcx, dbcx, loss, 1e-2f, 1e-4, 1e-3);
}

TEST(short_conv_restarts_at_segments_and_decodes_as_a_whole_pass) {
  const int64_t H = 4;
  const int K = 3, T = 7;
  std::vector<float> bcx = randv(2 * T * 3 * H, 4), w = randv(H * K, 5);
  std::vector<float> conv(2 * T * H), y(2 * T * H);
  short_conv_forward(nullptr, {2, T, H, K}, bcx.data(), w.data(), kSegStart.data(), conv.data(), y.data());
  // Row 1's second segment (positions 2..6) equals that segment convolved as a row of its own.
  std::vector<float> alone(bcx.begin() + (T + 2) * 3 * H, bcx.end()), conv1(5 * H), y1(5 * H);
  short_conv_forward(nullptr, {1, 5, H, K}, alone.data(), w.data(), nullptr, conv1.data(), y1.data());
  for (int64_t i = 0; i < 5 * H; ++i) CHECK_EQ(y[(T + 2) * H + i], y1[i]);
  // Row 0 decoded as a prefill of 2 then one position at a time: the same outputs, the state carried between calls.
  std::vector<float> state((K - 1) * H, 0.f), out(T * H);
  short_conv_decode(bcx.data(), w.data(), 2, H, K, state.data(), out.data());
  for (int t = 2; t < T; ++t) short_conv_decode(bcx.data() + t * 3 * H, w.data(), 1, H, K, state.data(), out.data() + t * H);
  for (int64_t i = 0; i < T * H; ++i) CHECK_NEAR(out[i], y[i], 1e-6);
}
