// Small elementwise kernels: fp32 ↔ bf16 casts (LoRA masters into their bf16 compute copies after each optimizer
// step, and back for checks), the bf16 residual add and scaled copy (eight elements per 16-byte access where aligned),
// and Gemma 2's soft cap of fp32 logits.
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

// Eight elements per thread and 16-byte access for the first 8·groups (host/launch_plan.h bf16x8_groups).
// y = y · y_scale + x in one rounding (fmaf).
__global__ void add_inplace_bf16_kernel(bf16* y, const bf16* x, int64_t n, int64_t groups, float y_scale) {
  const int64_t first = blockIdx.x * int64_t(blockDim.x) + threadIdx.x, stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t v = first; v < groups; v += stride) {
    float yv[8], xv[8];
    load_bf16s(y + 8 * v, yv);
    load_bf16s(x + 8 * v, xv);
#pragma unroll
    for (int e = 0; e < 8; ++e) yv[e] = fmaf(yv[e], y_scale, xv[e]);
    store_bf16s(y + 8 * v, yv);
  }
  for (int64_t i = 8 * groups + first; i < n; i += stride) y[i] = to_bf(fmaf(to_f(y[i]), y_scale, to_f(x[i])));
}

__global__ void scale_bf16_kernel(bf16* out, const bf16* in, int64_t n, int64_t groups, float s) {
  const int64_t first = blockIdx.x * int64_t(blockDim.x) + threadIdx.x, stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t v = first; v < groups; v += stride) {
    float xv[8];
    load_bf16s(in + 8 * v, xv);
#pragma unroll
    for (int e = 0; e < 8; ++e) xv[e] *= s;
    store_bf16s(out + 8 * v, xv);
  }
  for (int64_t i = 8 * groups + first; i < n; i += stride) out[i] = to_bf(to_f(in[i]) * s);
}

__global__ void softcap_f32_kernel(float* z, int64_t n, float cap) {
  const int64_t first = blockIdx.x * int64_t(blockDim.x) + threadIdx.x, stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = first; i < n; i += stride) z[i] = cap * tanhf(z[i] / cap);
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

void add_inplace_bf16(bf16* y, const bf16* x, int64_t n, cudaStream_t stream, float y_scale) {
  const int64_t groups = bf16x8_groups(n, {y, x});
  const Grid1D grid = bf16x8_grid(n, groups);
  if (grid.blocks == 0) return;
  add_inplace_bf16_kernel<<<unsigned(grid.blocks), grid.threads, 0, stream>>>(y, x, n, groups, y_scale);
  CUDA_CHECK_LAUNCH();
}

void scale_bf16(bf16* out, const bf16* in, float s, int64_t n, cudaStream_t stream) {
  const int64_t groups = bf16x8_groups(n, {out, in});
  const Grid1D grid = bf16x8_grid(n, groups);
  if (grid.blocks == 0) return;
  scale_bf16_kernel<<<unsigned(grid.blocks), grid.threads, 0, stream>>>(out, in, n, groups, s);
  CUDA_CHECK_LAUNCH();
}

void softcap_f32(float* z, int64_t n, float softcap, cudaStream_t stream) {
  if (softcap <= 0.f) return;
  const Grid1D grid = elementwise_grid(n);
  if (grid.blocks == 0) return;
  softcap_f32_kernel<<<unsigned(grid.blocks), grid.threads, 0, stream>>>(z, n, softcap);
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
