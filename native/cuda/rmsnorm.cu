// RMSNorm forward/backward (kernels/rmsnorm.h): one block per row, fp32 statistics from bf16 activations,
// rstd saved for backward. The weight is frozen (LoRA), so backward gives dx only.
#include <string>

#include "api.h"
#include "common.cuh"

namespace tf::cuda {

namespace {

constexpr int kNormThreads = 256;

__global__ void rmsnorm_forward_kernel(const bf16* x, const bf16* w, bf16* y, float* rstd, int64_t C, float eps) {
  __shared__ float scratch[32];
  const bf16* xi = x + blockIdx.x * C;
  bf16* yi = y + blockIdx.x * C;
  float ss = 0.f;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
    const float v = to_f(xi[c]);
    ss += v * v;
  }
  ss = block_sum(ss, scratch);
  // 1/sqrtf rather than rsqrtf: rsqrtf is off by up to 2 ulp, which would be the only non-bf16 error here.
  const float r = 1.f / sqrtf(ss / float(C) + eps);
  if (threadIdx.x == 0 && rstd) rstd[blockIdx.x] = r;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) yi[c] = to_bf(to_f(xi[c]) * r * to_f(w[c]));
}

// dx_c = r w_c dy_c - x_c r^3 / C * sum_j (w_j dy_j x_j)
__global__ void rmsnorm_backward_kernel(const bf16* dy, const bf16* x, const bf16* w, const float* rstd, bf16* dx,
                                        bool accumulate, int64_t C) {
  __shared__ float scratch[32];
  const int64_t off = int64_t(blockIdx.x) * C;
  float dot = 0.f;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) dot += to_f(dy[off + c]) * to_f(w[c]) * to_f(x[off + c]);
  dot = block_sum(dot, scratch);
  const float r = rstd[blockIdx.x];
  const float k = dot / float(C) * r * r * r;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
    float v = r * to_f(w[c]) * to_f(dy[off + c]) - k * to_f(x[off + c]);
    if (accumulate) v += to_f(dx[off + c]);
    dx[off + c] = to_bf(v);
  }
}

void check_rows(int64_t N, int64_t C) {
  TF_CHECK(N >= 0 && N <= 0x7fffffff, "rmsnorm: row count " + std::to_string(N) + " outside [0, 2^31)");
  TF_CHECK(C > 0, "rmsnorm: row length must be > 0, got " + std::to_string(C));
}

}  // namespace

void rmsnorm_forward(const bf16* x, const bf16* w, bf16* y, float* rstd, int64_t N, int64_t C, float eps,
                     cudaStream_t stream) {
  check_rows(N, C);
  if (N == 0) return;
  rmsnorm_forward_kernel<<<unsigned(N), kNormThreads, 0, stream>>>(x, w, y, rstd, C, eps);
  CUDA_CHECK_LAUNCH();
}

void rmsnorm_backward(const bf16* dy, const bf16* x, const bf16* w, const float* rstd, bf16* dx, bool accumulate,
                      int64_t N, int64_t C, cudaStream_t stream) {
  check_rows(N, C);
  if (N == 0) return;
  rmsnorm_backward_kernel<<<unsigned(N), kNormThreads, 0, stream>>>(dy, x, w, rstd, dx, accumulate, C);
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
