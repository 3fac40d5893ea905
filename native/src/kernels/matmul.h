#pragma once
// Dense linear layer y = x Wᵀ + b (W [out, in], the HF layout) and its backward. Frozen base weights only
// need dx; dW is there for LoRA factors and tests.
#include <cstdint>

#include "common/threadpool.h"

namespace tf::kernels {

// y[N,out] = x[N,in] Wᵀ (+ bias[out] when non-null).
void linear_forward(ThreadPool* pool, const float* x, const float* W, const float* bias, float* y, int64_t N,
                    int64_t in, int64_t out);
// dx[N,in] (= or += when accumulate) dy[N,out] W; dW[out,in] += dyᵀ x when dW is non-null; dbias += Σ dy.
void linear_backward(ThreadPool* pool, const float* dy, const float* x, const float* W, float* dx, bool accumulate,
                     float* dW, float* dbias, int64_t N, int64_t in, int64_t out);

}  // namespace tf::kernels
