// RMSNorm forward/backward (kernels/rmsnorm.h): one block per row, fp32 statistics from bf16 activations,
// rstd saved for backward, 16-byte accesses where the rows allow. The weight is frozen (LoRA), so backward gives
// dx only.
#include <algorithm>
#include <string>

#include "api.h"
#include "common.cuh"
#include "host/launch_plan.h"

namespace tf::cuda {

namespace {

constexpr int kNormThreads = 256;

// Threads per row: enough warps for one access each of a row of C (kVec elements per access), at most
// kNormThreads. A 128-wide head (Qwen3's q/k norms, N·heads rows) then runs 32 threads instead of 16 busy of 256.
unsigned norm_threads(int64_t C, int vec) {
  const int64_t accesses = (C + vec - 1) / vec;
  return unsigned(std::min<int64_t>(kNormThreads, (accesses + 31) / 32 * 32));
}

// kVec consecutive elements per thread and access: 8 (16 bytes) when the row length and pointers allow
// (row_vec), else 1.
template <int kVec>
__global__ void rmsnorm_forward_kernel(const bf16* x, const bf16* w, bf16* y, float* rstd, int64_t C, float eps) {
  __shared__ float scratch[32];
  const bf16* xi = x + blockIdx.x * C;
  bf16* yi = y + blockIdx.x * C;
  const int64_t first = int64_t(threadIdx.x) * kVec, stride = int64_t(blockDim.x) * kVec;
  float ss = 0.f;
  for (int64_t c = first; c < C; c += stride) {
    float v[kVec];
    load_bf16s(xi + c, v);
#pragma unroll
    for (int e = 0; e < kVec; ++e) ss += v[e] * v[e];
  }
  ss = block_sum(ss, scratch);
  // 1/sqrtf rather than rsqrtf: rsqrtf is off by up to 2 ulp, which would be the only non-bf16 error here.
  const float r = 1.f / sqrtf(ss / float(C) + eps);
  if (threadIdx.x == 0 && rstd) rstd[blockIdx.x] = r;
  for (int64_t c = first; c < C; c += stride) {
    float xv[kVec], wv[kVec], yv[kVec];
    load_bf16s(xi + c, xv);
    load_bf16s(w + c, wv);
#pragma unroll
    for (int e = 0; e < kVec; ++e) yv[e] = xv[e] * r * wv[e];
    store_bf16s(yi + c, yv);
  }
}

// dx_c = r w_c dy_c - x_c r^3 / C * sum_j (w_j dy_j x_j)
template <int kVec>
__global__ void rmsnorm_backward_kernel(const bf16* dy, const bf16* x, const bf16* w, const float* rstd, bf16* dx,
                                        bool accumulate, int64_t C) {
  __shared__ float scratch[32];
  const int64_t off = int64_t(blockIdx.x) * C;
  const int64_t first = int64_t(threadIdx.x) * kVec, stride = int64_t(blockDim.x) * kVec;
  float dot = 0.f;
  for (int64_t c = first; c < C; c += stride) {
    float dyv[kVec], wv[kVec], xv[kVec];
    load_bf16s(dy + off + c, dyv);
    load_bf16s(w + c, wv);
    load_bf16s(x + off + c, xv);
#pragma unroll
    for (int e = 0; e < kVec; ++e) dot += dyv[e] * wv[e] * xv[e];
  }
  dot = block_sum(dot, scratch);
  const float r = rstd[blockIdx.x];
  const float k = dot / float(C) * r * r * r;
  for (int64_t c = first; c < C; c += stride) {
    float dyv[kVec], wv[kVec], xv[kVec], dxv[kVec] = {};
    load_bf16s(dy + off + c, dyv);
    load_bf16s(w + c, wv);
    load_bf16s(x + off + c, xv);
    if (accumulate) load_bf16s(dx + off + c, dxv);
#pragma unroll
    for (int e = 0; e < kVec; ++e) {
      const float v = r * wv[e] * dyv[e] - k * xv[e];
      dxv[e] = accumulate ? v + dxv[e] : v;
    }
    store_bf16s(dx + off + c, dxv);
  }
}

// Whether every row of every array starts 16-byte aligned and holds whole groups of 8: then the kernels move 8
// elements per access.
bool row_vec(int64_t C, std::initializer_list<const void*> arrays) {
  return C % 8 == 0 && aligned16(arrays);
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
  if (row_vec(C, {x, w, y}))
    rmsnorm_forward_kernel<8><<<unsigned(N), norm_threads(C, 8), 0, stream>>>(x, w, y, rstd, C, eps);
  else
    rmsnorm_forward_kernel<1><<<unsigned(N), norm_threads(C, 1), 0, stream>>>(x, w, y, rstd, C, eps);
  CUDA_CHECK_LAUNCH();
}

void rmsnorm_backward(const bf16* dy, const bf16* x, const bf16* w, const float* rstd, bf16* dx, bool accumulate,
                      int64_t N, int64_t C, cudaStream_t stream) {
  check_rows(N, C);
  if (N == 0) return;
  if (row_vec(C, {dy, x, w, dx}))
    rmsnorm_backward_kernel<8><<<unsigned(N), norm_threads(C, 8), 0, stream>>>(dy, x, w, rstd, dx, accumulate, C);
  else
    rmsnorm_backward_kernel<1><<<unsigned(N), norm_threads(C, 1), 0, stream>>>(dy, x, w, rstd, dx, accumulate, C);
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
