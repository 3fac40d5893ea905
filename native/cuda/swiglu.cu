// SwiGLU h = silu(g) * u and its backward, elementwise in fp32 on bf16 storage (kernels/swiglu.h).
#include "api.h"
#include "common.cuh"
#include "host/launch_plan.h"

namespace tf::cuda {

namespace {

// expf, not __expf: the fast intrinsic loses ~2 bits, which is invisible in bf16 but makes the comparison
// against the CPU depend on the input range.
__device__ __forceinline__ float sigmoidf(float x) { return 1.f / (1.f + expf(-x)); }

__device__ __forceinline__ float swiglu(float g, float u) { return g * sigmoidf(g) * u; }
// dh -> (dg, du) for one element.
__device__ __forceinline__ void swiglu_grad(float d, float g, float u, float& dg, float& du) {
  const float s = sigmoidf(g);
  const float silu = g * s;
  const float dsilu = s * (1.f + g * (1.f - s));
  dg = d * u * dsilu;
  du = d * silu;
}

// Eight elements per thread and 16-byte access for the first 8·groups elements (host/launch_plan.h
// bf16x8_groups), then the rest one at a time.
__global__ void swiglu_forward_kernel(const bf16* g, const bf16* u, bf16* h, int64_t n, int64_t groups) {
  const int64_t first = blockIdx.x * int64_t(blockDim.x) + threadIdx.x, stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t v = first; v < groups; v += stride) {
    float gv[8], uv[8], hv[8];
    load_bf16s(g + 8 * v, gv);
    load_bf16s(u + 8 * v, uv);
#pragma unroll
    for (int e = 0; e < 8; ++e) hv[e] = swiglu(gv[e], uv[e]);
    store_bf16s(h + 8 * v, hv);
  }
  for (int64_t i = 8 * groups + first; i < n; i += stride) h[i] = to_bf(swiglu(to_f(g[i]), to_f(u[i])));
}

// dg may alias dh: each thread reads all of its elements before it writes them.
__global__ void swiglu_backward_kernel(const bf16* dh, const bf16* g, const bf16* u, bf16* dg, bf16* du, int64_t n,
                                       int64_t groups) {
  const int64_t first = blockIdx.x * int64_t(blockDim.x) + threadIdx.x, stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t v = first; v < groups; v += stride) {
    float dv[8], gv[8], uv[8], dgv[8], duv[8];
    load_bf16s(dh + 8 * v, dv);
    load_bf16s(g + 8 * v, gv);
    load_bf16s(u + 8 * v, uv);
#pragma unroll
    for (int e = 0; e < 8; ++e) swiglu_grad(dv[e], gv[e], uv[e], dgv[e], duv[e]);
    store_bf16s(dg + 8 * v, dgv);
    store_bf16s(du + 8 * v, duv);
  }
  for (int64_t i = 8 * groups + first; i < n; i += stride) {
    float dgi, dui;
    swiglu_grad(to_f(dh[i]), to_f(g[i]), to_f(u[i]), dgi, dui);
    dg[i] = to_bf(dgi);
    du[i] = to_bf(dui);
  }
}

}  // namespace

void swiglu_forward(const bf16* g, const bf16* u, bf16* h, int64_t n, cudaStream_t stream) {
  const int64_t groups = bf16x8_groups(n, {g, u, h});
  const Grid1D grid = bf16x8_grid(n, groups);
  if (grid.blocks == 0) return;
  swiglu_forward_kernel<<<unsigned(grid.blocks), grid.threads, 0, stream>>>(g, u, h, n, groups);
  CUDA_CHECK_LAUNCH();
}

void swiglu_backward(const bf16* dh, const bf16* g, const bf16* u, bf16* dg, bf16* du, int64_t n,
                     cudaStream_t stream) {
  const int64_t groups = bf16x8_groups(n, {dh, g, u, dg, du});
  const Grid1D grid = bf16x8_grid(n, groups);
  if (grid.blocks == 0) return;
  swiglu_backward_kernel<<<unsigned(grid.blocks), grid.threads, 0, stream>>>(dh, g, u, dg, du, n, groups);
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
