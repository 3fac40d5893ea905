#include "kernels/swiglu.h"

#include <cmath>

namespace tf::kernels {

namespace {
inline float sigmoid(float x) { return 1.f / (1.f + std::exp(-x)); }
constexpr int64_t kGrain = 4096;  // elementwise work is tiny; keep chunks big enough to be worth a thread
constexpr float kSqrt2OverPi = 0.7978845608028654f, kGeluCubic = 0.044715f;
}  // namespace

void swiglu_forward(ThreadPool* pool, const float* g, const float* u, float* h, int64_t n) {
  auto body = [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) h[i] = g[i] * sigmoid(g[i]) * u[i];
  };
  if (pool) pool->parallel_for_grain(n, kGrain, body); else body(0, n, 0);
}

void swiglu_backward(ThreadPool* pool, const float* dh, const float* g, const float* u, float* dg, float* du, int64_t n) {
  auto body = [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const float s = sigmoid(g[i]);
      const float silu = g[i] * s;
      const float dsilu = s * (1.f + g[i] * (1.f - s));
      const float d = dh[i];
      dg[i] = d * u[i] * dsilu;
      du[i] = d * silu;
    }
  };
  if (pool) pool->parallel_for_grain(n, kGrain, body); else body(0, n, 0);
}

void geglu_tanh_forward(ThreadPool* pool, const float* g, const float* u, float* h, int64_t n) {
  auto body = [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const float x = g[i];
      h[i] = 0.5f * x * (1.f + std::tanh(kSqrt2OverPi * (x + kGeluCubic * x * x * x))) * u[i];
    }
  };
  if (pool) pool->parallel_for_grain(n, kGrain, body); else body(0, n, 0);
}

void geglu_tanh_backward(ThreadPool* pool, const float* dh, const float* g, const float* u, float* dg, float* du,
                         int64_t n) {
  auto body = [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const float x = g[i], t = std::tanh(kSqrt2OverPi * (x + kGeluCubic * x * x * x));
      const float gelu = 0.5f * x * (1.f + t);
      // d/dx [x/2 (1 + t)] = (1 + t)/2 + x/2 (1 − t²) √(2/π) (1 + 3·0.044715 x²)
      const float dgelu = 0.5f * (1.f + t) + 0.5f * x * (1.f - t * t) * kSqrt2OverPi * (1.f + 3.f * kGeluCubic * x * x);
      dg[i] = dh[i] * u[i] * dgelu;
      du[i] = dh[i] * gelu;
    }
  };
  if (pool) pool->parallel_for_grain(n, kGrain, body); else body(0, n, 0);
}

}  // namespace tf::kernels
