// AdamW on fp32 master weights and moments (train/adamw.h), and the global gradient norm + clip.
// The update uses the host's adamw_scalars (the CPU's rounded constants) and explicit _rn arithmetic so nvcc
// cannot fuse a*b+c into an FMA: the result then equals the CPU's bit for bit (IEEE sqrtf and division are
// nvcc's defaults without --use_fast_math).
#include "api.h"
#include "common.cuh"
#include "host/launch_plan.h"

namespace tf::cuda {

namespace {

constexpr int kAdamThreads = 256;

__global__ void adamw_kernel(float* w, const float* g, float* m, float* v, int64_t n, AdamWScalars s) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float gi = g[i];
    const float wi = __fmul_rn(w[i], s.decay);
    const float mi = __fadd_rn(__fmul_rn(s.b1, m[i]), __fmul_rn(s.one_minus_b1, gi));
    const float vi = __fadd_rn(__fmul_rn(s.b2, v[i]), __fmul_rn(__fmul_rn(s.one_minus_b2, gi), gi));
    m[i] = mi;
    v[i] = vi;
    const float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vi), s.bc2_sqrt), s.eps);
    w[i] = __fsub_rn(wi, __fdiv_rn(__fmul_rn(s.step_size, mi), denom));
  }
}

__global__ void sq_sum_kernel(const float* g, int64_t n, double* out) {
  __shared__ double part[kAdamThreads];
  double s = 0;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    s += double(g[i]) * double(g[i]);
  part[threadIdx.x] = s;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  // Blocks add in arrival order: the double sum of fp32 squares varies only far below fp32 resolution.
  if (threadIdx.x == 0) atomicAdd(out, part[0]);
}

// Same rule as clip_coefficient() on the host, evaluated from the device-side sum.
__global__ void clip_kernel(float* g, int64_t n, const double* sq_sum, double max_norm) {
  const double norm = sqrt(*sq_sum);
  if (!(max_norm > 0) || !isfinite(norm)) return;
  const double coef = max_norm / (norm + 1e-6);
  if (!(coef < 1.0)) return;
  const float c = float(coef);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    g[i] = __fmul_rn(g[i], c);
}

}  // namespace

void adamw_update(float* w, const float* g, float* m, float* v, int64_t n, double beta1, double beta2, double eps,
                  double weight_decay, int64_t t, double lr, cudaStream_t stream) {
  train::AdamWHyper h;
  h.beta1 = beta1;
  h.beta2 = beta2;
  h.eps = eps;
  h.weight_decay = weight_decay;
  const AdamWScalars s = adamw_scalars(h, t, lr);
  const Grid1D grid = elementwise_grid(n, kAdamThreads);
  if (grid.blocks == 0) return;
  adamw_kernel<<<unsigned(grid.blocks), grid.threads, 0, stream>>>(w, g, m, v, n, s);
  CUDA_CHECK_LAUNCH();
}

void grad_sq_sum_zero(double* sq_sum, cudaStream_t stream) {
  CUDA_CHECK(cudaMemsetAsync(sq_sum, 0, sizeof(double), stream));
}

void grad_sq_sum_accumulate(const float* g, int64_t n, double* sq_sum, cudaStream_t stream) {
  // Few blocks, many elements each: one atomic per block, and the grid-stride loop keeps loads coalesced.
  const Grid1D grid = elementwise_grid(n, kAdamThreads, 1024);
  if (grid.blocks == 0) return;
  sq_sum_kernel<<<unsigned(grid.blocks), grid.threads, 0, stream>>>(g, n, sq_sum);
  CUDA_CHECK_LAUNCH();
}

void grad_clip(float* g, int64_t n, const double* sq_sum, double max_norm, cudaStream_t stream) {
  const Grid1D grid = elementwise_grid(n, kAdamThreads);
  if (grid.blocks == 0) return;
  clip_kernel<<<unsigned(grid.blocks), grid.threads, 0, stream>>>(g, n, sq_sum, max_norm);
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
