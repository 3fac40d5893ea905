// Small elementwise kernels: fp32 ↔ bf16 casts (LoRA masters into their bf16 compute copies after each optimizer
// step, and back for checks) and the bf16 residual add.
#include "api.h"
#include "common.cuh"
#include "host/launch_plan.h"

namespace tf::cuda {

namespace {

__global__ void cast_f32_to_bf16_kernel(const float* in, bf16* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    out[i] = __float2bfloat16_rn(in[i]);
}

__global__ void cast_bf16_to_f32_kernel(const bf16* in, float* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    out[i] = to_f(in[i]);
}

__global__ void add_inplace_bf16_kernel(bf16* y, const bf16* x, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = to_bf(to_f(y[i]) + to_f(x[i]));
}

}  // namespace

void cast_f32_to_bf16(const float* in, bf16* out, int64_t n, cudaStream_t stream) {
  const Grid1D grid = elementwise_grid(n);
  if (grid.blocks == 0) return;
  cast_f32_to_bf16_kernel<<<unsigned(grid.blocks), grid.threads, 0, stream>>>(in, out, n);
  CUDA_CHECK_LAUNCH();
}

void cast_bf16_to_f32(const bf16* in, float* out, int64_t n, cudaStream_t stream) {
  const Grid1D grid = elementwise_grid(n);
  if (grid.blocks == 0) return;
  cast_bf16_to_f32_kernel<<<unsigned(grid.blocks), grid.threads, 0, stream>>>(in, out, n);
  CUDA_CHECK_LAUNCH();
}

void add_inplace_bf16(bf16* y, const bf16* x, int64_t n, cudaStream_t stream) {
  const Grid1D grid = elementwise_grid(n);
  if (grid.blocks == 0) return;
  add_inplace_bf16_kernel<<<unsigned(grid.blocks), grid.threads, 0, stream>>>(y, x, n);
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
