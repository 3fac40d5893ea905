#include "kernels/rmsnorm.h"

#include <cmath>

namespace tf::kernels {

void rmsnorm_forward(ThreadPool* pool, const float* x, const float* w, float* y, float* rstd, int64_t N, int64_t C,
                     float eps) {
  auto rows = [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const float* xi = x + i * C;
      double ss = 0;
      for (int64_t c = 0; c < C; ++c) ss += static_cast<double>(xi[c]) * xi[c];
      const float r = static_cast<float>(1.0 / std::sqrt(ss / C + eps));
      if (rstd) rstd[i] = r;
      float* yi = y + i * C;
      for (int64_t c = 0; c < C; ++c) yi[c] = xi[c] * r * w[c];
    }
  };
  if (pool) pool->parallel_for(N, rows); else rows(0, N, 0);
}

// y_c = x_c r w_c with r = (mean(x²)+eps)^-1/2, so dx_c = r (w_c dy_c) - x_c r³/C Σ_j (w_j dy_j x_j).
void rmsnorm_backward(ThreadPool* pool, const float* dy, const float* x, const float* w, const float* rstd, float* dx,
                      bool accumulate, int64_t N, int64_t C) {
  auto rows = [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const float* xi = x + i * C;
      const float* gi = dy + i * C;
      double dot = 0;
      for (int64_t c = 0; c < C; ++c) dot += static_cast<double>(gi[c]) * w[c] * xi[c];
      const float r = rstd[i];
      const float k = static_cast<float>(dot / C) * r * r * r;
      float* di = dx + i * C;
      for (int64_t c = 0; c < C; ++c) {
        const float v = r * w[c] * gi[c] - k * xi[c];
        di[c] = accumulate ? di[c] + v : v;
      }
    }
  };
  if (pool) pool->parallel_for(N, rows); else rows(0, N, 0);
}

}  // namespace tf::kernels
