#pragma once
// RMSNorm y = x / sqrt(mean(x²) + eps) * w, statistics in fp32 as HF computes them (accumulated in double
// here so long rows do not lose bits). The weight is frozen, so backward gives dx only.
#include <cstdint>

#include "common/threadpool.h"

namespace tf::kernels {

// x, y [N, C]; rstd [N] is saved for backward.
void rmsnorm_forward(ThreadPool* pool, const float* x, const float* w, float* y, float* rstd, int64_t N, int64_t C,
                     float eps);
// dx (= or += when accumulate) from dy, given the forward's x and rstd.
void rmsnorm_backward(ThreadPool* pool, const float* dy, const float* x, const float* w, const float* rstd, float* dx,
                      bool accumulate, int64_t N, int64_t C);

}  // namespace tf::kernels
