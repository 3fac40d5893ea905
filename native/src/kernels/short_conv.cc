#include "kernels/short_conv.h"

#include <algorithm>
#include <vector>

namespace tf::kernels {

namespace {
// The first position of row-local position t's segment.
inline int first_of(const int32_t* seg_start, int64_t i) { return seg_start ? seg_start[i] : 0; }
}  // namespace

void short_conv_forward(ThreadPool* pool, const ConvShape& s, const float* bcx, const float* w,
                        const int32_t* seg_start, float* conv, float* y) {
  const int64_t H = s.H, N = int64_t(s.B) * s.T;
  auto rows = [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const int t = int(i % s.T);
      const int first = std::max(first_of(seg_start, i), t - (s.K - 1));
      float* ci = conv + i * H;
      std::fill(ci, ci + H, 0.f);
      for (int src = first; src <= t; ++src) {
        const int j = src - t + (s.K - 1);
        const float* r = bcx + (i - t + src) * 3 * H;  // B at r, x at r + 2H
        for (int64_t c = 0; c < H; ++c) ci[c] += w[c * s.K + j] * r[c] * r[2 * H + c];
      }
      if (!y) continue;
      const float* C = bcx + i * 3 * H + H;
      float* yi = y + i * H;
      for (int64_t c = 0; c < H; ++c) yi[c] = C[c] * ci[c];
    }
  };
  if (pool) pool->parallel_for_grain(N, 16, rows); else rows(0, N, 0);
}

void short_conv_backward(ThreadPool* pool, const ConvShape& s, const float* dy, const float* bcx, const float* conv,
                         const float* w, const int32_t* seg_start, float* dbcx) {
  const int64_t H = s.H, N = int64_t(s.B) * s.T;
  auto rows = [&](int64_t b, int64_t e, int) {
    std::vector<float> dbx(H);
    for (int64_t i = b; i < e; ++i) {
      const int t = int(i % s.T);
      // Position t's B·x reaches the outputs t .. t + K − 1 of its own segment (whose first position is at most t).
      std::fill(dbx.begin(), dbx.end(), 0.f);
      for (int out = t; out < std::min(s.T, t + s.K); ++out) {
        const int64_t io = i - t + out;
        if (first_of(seg_start, io) > t) break;  // a later segment starts at or before out
        const int j = t - out + (s.K - 1);
        const float* C = bcx + io * 3 * H + H;
        const float* g = dy + io * H;
        for (int64_t c = 0; c < H; ++c) dbx[c] += w[c * s.K + j] * g[c] * C[c];
      }
      const float* r = bcx + i * 3 * H;
      const float* ci = conv + i * H;
      const float* g = dy + i * H;
      float* d = dbcx + i * 3 * H;
      for (int64_t c = 0; c < H; ++c) {
        d[c] = dbx[c] * r[2 * H + c];  // dB
        d[H + c] = g[c] * ci[c];       // dC
        d[2 * H + c] = dbx[c] * r[c];  // dx
      }
    }
  };
  if (pool) pool->parallel_for_grain(N, 16, rows); else rows(0, N, 0);
}

void short_conv_decode(const float* bcx, const float* w, int n, int64_t H, int K, float* state, float* y) {
  // The window: the state's K − 1 values, then the new ones; each output reads the K ending at its position.
  const int past = K - 1;
  std::vector<float> bx(size_t(past + n) * H);
  std::copy(state, state + past * H, bx.begin());
  for (int i = 0; i < n; ++i) {
    const float* r = bcx + int64_t(i) * 3 * H;
    float* o = bx.data() + (past + int64_t(i)) * H;
    for (int64_t c = 0; c < H; ++c) o[c] = r[c] * r[2 * H + c];
  }
  for (int i = 0; i < n; ++i) {
    const float* C = bcx + int64_t(i) * 3 * H + H;
    float* yi = y + int64_t(i) * H;
    for (int64_t c = 0; c < H; ++c) {
      float acc = 0.f;
      for (int j = 0; j < K; ++j) acc += w[c * K + j] * bx[(int64_t(i) + j) * H + c];
      yi[c] = C[c] * acc;
    }
  }
  std::copy(bx.end() - past * H, bx.end(), state);
}

}  // namespace tf::kernels
