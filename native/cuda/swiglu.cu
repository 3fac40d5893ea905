// SwiGLU h = silu(g) * u and its backward, elementwise in fp32 on bf16 storage (kernels/swiglu.h).
#include "api.h"
#include "common.cuh"
#include "host/launch_plan.h"

namespace tf::cuda {

namespace {

// expf, not __expf: the fast intrinsic loses ~2 bits, which is invisible in bf16 but makes the comparison
// against the CPU depend on the input range.
__device__ __forceinline__ float sigmoidf(float x) { return 1.f / (1.f + expf(-x)); }

__global__ void swiglu_forward_kernel(const bf16* g, const bf16* u, bf16* h, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float gi = to_f(g[i]);
    h[i] = to_bf(gi * sigmoidf(gi) * to_f(u[i]));
  }
}

__global__ void swiglu_backward_kernel(const bf16* dh, const bf16* g, const bf16* u, bf16* dg, bf16* du, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float gi = to_f(g[i]), d = to_f(dh[i]);
    const float s = sigmoidf(gi);
    const float silu = gi * s;
    const float dsilu = s * (1.f + gi * (1.f - s));
    dg[i] = to_bf(d * to_f(u[i]) * dsilu);  // written after every read of this element: dg may alias dh
    du[i] = to_bf(d * silu);
  }
}

}  // namespace

void swiglu_forward(const bf16* g, const bf16* u, bf16* h, int64_t n, cudaStream_t stream) {
  const Grid1D grid = elementwise_grid(n);
  if (grid.blocks == 0) return;
  swiglu_forward_kernel<<<unsigned(grid.blocks), grid.threads, 0, stream>>>(g, u, h, n);
  CUDA_CHECK_LAUNCH();
}

void swiglu_backward(const bf16* dh, const bf16* g, const bf16* u, bf16* dg, bf16* du, int64_t n,
                     cudaStream_t stream) {
  const Grid1D grid = elementwise_grid(n);
  if (grid.blocks == 0) return;
  swiglu_backward_kernel<<<unsigned(grid.blocks), grid.threads, 0, stream>>>(dh, g, u, dg, du, n);
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
