// Kernels of the CUDA model that no other family needs (model_kernels.h): embedding gather and bias add.
#include "common.cuh"
#include "host/launch_plan.h"
#include "model_kernels.h"

namespace tf::cuda {

namespace {

// One thread per element; 8-byte-aligned rows are not assumed (C may be odd for tiny models).
__global__ void embedding_gather_kernel(const int32_t* ids, const bf16* table, bf16* out, int64_t N, int64_t C) {
  const int64_t n = N * C;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = i / C, col = i - row * C;
    out[i] = table[int64_t(ids[row]) * C + col];
  }
}

__global__ void add_bias_kernel(bf16* y, const float* bias, int64_t N, int64_t C) {
  const int64_t n = N * C;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = to_bf(to_f(y[i]) + bias[i % C]);
}

}  // namespace

void embedding_gather_bf16(const int32_t* ids, const bf16* table, bf16* out, int64_t N, int64_t C,
                           cudaStream_t stream) {
  TF_CHECK(N >= 0 && C > 0, "embedding_gather_bf16: need N >= 0 rows and C > 0 columns");
  TF_CHECK(N == 0 || (ids && table && out), "embedding_gather_bf16: ids, table and out are required");
  const Grid1D g = elementwise_grid(N * C);
  if (g.blocks == 0) return;
  embedding_gather_kernel<<<unsigned(g.blocks), g.threads, 0, stream>>>(ids, table, out, N, C);
  CUDA_CHECK_LAUNCH();
}

void add_bias_bf16(bf16* y, const float* bias, int64_t N, int64_t C, cudaStream_t stream) {
  TF_CHECK(N >= 0 && C > 0, "add_bias_bf16: need N >= 0 rows and C > 0 columns");
  TF_CHECK(N == 0 || (y && bias), "add_bias_bf16: y and bias are required");
  const Grid1D g = elementwise_grid(N * C);
  if (g.blocks == 0) return;
  add_bias_kernel<<<unsigned(g.blocks), g.threads, 0, stream>>>(y, bias, N, C);
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
