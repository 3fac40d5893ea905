// Kernels of the CUDA model that no other family needs (model_kernels.h): embedding gather and bias add.
#include <string>

#include "common.cuh"
#include "host/launch_plan.h"
#include "model_kernels.h"

namespace tf::cuda {

namespace {

constexpr int kRowThreads = 256;

// A block per token row (no 64-bit division per element): row i copies table row ids[i], 16 bytes at a time when
// kVec = 8 (C % 8 == 0 and both arrays 16-byte aligned), else element by element (C may be odd for tiny models).
template <int kVec>
__global__ void embedding_gather_kernel(const int32_t* ids, const bf16* table, bf16* out, int64_t C) {
  const int64_t row = blockIdx.x;
  const bf16* src = table + int64_t(ids[row]) * C;
  bf16* dst = out + row * C;
  for (int64_t c = int64_t(threadIdx.x) * kVec; c < C; c += int64_t(blockDim.x) * kVec) {
    if constexpr (kVec == 8) *reinterpret_cast<uint4*>(dst + c) = *reinterpret_cast<const uint4*>(src + c);
    else dst[c] = src[c];
  }
}

// The same, times `scale` (Gemma 3), computed in fp32 and rounded once, as torch multiplies two bf16 tensors.
__global__ void embedding_gather_scaled_kernel(const int32_t* ids, const bf16* table, bf16* out, int64_t C,
                                               float scale) {
  const int64_t row = blockIdx.x;
  const bf16* src = table + int64_t(ids[row]) * C;
  bf16* dst = out + row * C;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) dst[c] = to_bf(to_f(src[c]) * scale);
}

// A block per row: y[i, c] += bias[c].
__global__ void add_bias_kernel(bf16* y, const float* bias, int64_t C) {
  bf16* yi = y + int64_t(blockIdx.x) * C;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) yi[c] = to_bf(to_f(yi[c]) + bias[c]);
}

}  // namespace

void embedding_gather_bf16(const int32_t* ids, const bf16* table, bf16* out, int64_t N, int64_t C,
                           cudaStream_t stream, float scale) {
  TF_CHECK(N >= 0 && C > 0, "embedding_gather_bf16: need N >= 0 rows and C > 0 columns");
  TF_CHECK(N == 0 || (ids && table && out), "embedding_gather_bf16: ids, table and out are required");
  TF_CHECK(N <= 0x7fffffff, "embedding_gather_bf16: " + std::to_string(N) + " rows (at most 2^31 - 1 in one call)");
  if (N == 0) return;
  if (scale != 1.f)
    embedding_gather_scaled_kernel<<<unsigned(N), kRowThreads, 0, stream>>>(ids, table, out, C, scale);
  else if (C % 8 == 0 && aligned16({table, out}))
    embedding_gather_kernel<8><<<unsigned(N), kRowThreads, 0, stream>>>(ids, table, out, C);
  else
    embedding_gather_kernel<1><<<unsigned(N), kRowThreads, 0, stream>>>(ids, table, out, C);
  CUDA_CHECK_LAUNCH();
}

void add_bias_bf16(bf16* y, const float* bias, int64_t N, int64_t C, cudaStream_t stream) {
  TF_CHECK(N >= 0 && C > 0, "add_bias_bf16: need N >= 0 rows and C > 0 columns");
  TF_CHECK(N == 0 || (y && bias), "add_bias_bf16: y and bias are required");
  TF_CHECK(N <= 0x7fffffff, "add_bias_bf16: " + std::to_string(N) + " rows (at most 2^31 - 1 in one call)");
  if (N == 0) return;
  add_bias_kernel<<<unsigned(N), kRowThreads, 0, stream>>>(y, bias, C);
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
