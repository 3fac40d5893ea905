// The MLP's gate, elementwise in fp32 on bf16 storage (kernels/swiglu.h): SwiGLU h = silu(g) * u, and Gemma 3's
// GeGLU h = gelu_tanh(g) * u, with their backwards. One kernel template per direction, the activation a parameter.
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

// The CPU's formula (kernels/swiglu.cc): (1 + tanh z) / 2 = sigmoid(2z), so gelu(g) = g · s and 1 − tanh² z =
// 4 s (1 − s), with s = sigmoid(2z), z = √(2/π) (g + 0.044715 g³).
constexpr float kSqrt2OverPi = 0.7978845608028654f, kGeluCubic = 0.044715f;
__device__ __forceinline__ float gelu_gate(float g) { return sigmoidf(2.f * kSqrt2OverPi * (g + kGeluCubic * g * g * g)); }
__device__ __forceinline__ float geglu(float g, float u) { return g * gelu_gate(g) * u; }
__device__ __forceinline__ void geglu_grad(float d, float g, float u, float& dg, float& du) {
  const float s = gelu_gate(g);
  const float dgelu = s + 2.f * g * s * (1.f - s) * kSqrt2OverPi * (1.f + 3.f * kGeluCubic * g * g);
  dg = d * u * dgelu;
  du = d * g * s;
}

template <bool kGelu>
__device__ __forceinline__ float gate(float g, float u) { return kGelu ? geglu(g, u) : swiglu(g, u); }
template <bool kGelu>
__device__ __forceinline__ void gate_grad(float d, float g, float u, float& dg, float& du) {
  if (kGelu) geglu_grad(d, g, u, dg, du);
  else swiglu_grad(d, g, u, dg, du);
}

// Eight elements per thread and 16-byte access for the first 8·groups elements (host/launch_plan.h
// bf16x8_groups), then the rest one at a time.
template <bool kGelu>
__global__ void gate_forward_kernel(const bf16* g, const bf16* u, bf16* h, int64_t n, int64_t groups) {
  const int64_t first = blockIdx.x * int64_t(blockDim.x) + threadIdx.x, stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t v = first; v < groups; v += stride) {
    float gv[8], uv[8], hv[8];
    load_bf16s(g + 8 * v, gv);
    load_bf16s(u + 8 * v, uv);
#pragma unroll
    for (int e = 0; e < 8; ++e) hv[e] = gate<kGelu>(gv[e], uv[e]);
    store_bf16s(h + 8 * v, hv);
  }
  for (int64_t i = 8 * groups + first; i < n; i += stride) h[i] = to_bf(gate<kGelu>(to_f(g[i]), to_f(u[i])));
}

// dg may alias dh: each thread reads all of its elements before it writes them.
template <bool kGelu>
__global__ void gate_backward_kernel(const bf16* dh, const bf16* g, const bf16* u, bf16* dg, bf16* du, int64_t n,
                                     int64_t groups) {
  const int64_t first = blockIdx.x * int64_t(blockDim.x) + threadIdx.x, stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t v = first; v < groups; v += stride) {
    float dv[8], gv[8], uv[8], dgv[8], duv[8];
    load_bf16s(dh + 8 * v, dv);
    load_bf16s(g + 8 * v, gv);
    load_bf16s(u + 8 * v, uv);
#pragma unroll
    for (int e = 0; e < 8; ++e) gate_grad<kGelu>(dv[e], gv[e], uv[e], dgv[e], duv[e]);
    store_bf16s(dg + 8 * v, dgv);
    store_bf16s(du + 8 * v, duv);
  }
  for (int64_t i = 8 * groups + first; i < n; i += stride) {
    float dgi, dui;
    gate_grad<kGelu>(to_f(dh[i]), to_f(g[i]), to_f(u[i]), dgi, dui);
    dg[i] = to_bf(dgi);
    du[i] = to_bf(dui);
  }
}

template <bool kGelu>
void launch_forward(const bf16* g, const bf16* u, bf16* h, int64_t n, cudaStream_t stream) {
  const int64_t groups = bf16x8_groups(n, {g, u, h});
  const Grid1D grid = bf16x8_grid(n, groups);
  if (grid.blocks == 0) return;
  gate_forward_kernel<kGelu><<<unsigned(grid.blocks), grid.threads, 0, stream>>>(g, u, h, n, groups);
  CUDA_CHECK_LAUNCH();
}

template <bool kGelu>
void launch_backward(const bf16* dh, const bf16* g, const bf16* u, bf16* dg, bf16* du, int64_t n, cudaStream_t stream) {
  const int64_t groups = bf16x8_groups(n, {dh, g, u, dg, du});
  const Grid1D grid = bf16x8_grid(n, groups);
  if (grid.blocks == 0) return;
  gate_backward_kernel<kGelu><<<unsigned(grid.blocks), grid.threads, 0, stream>>>(dh, g, u, dg, du, n, groups);
  CUDA_CHECK_LAUNCH();
}

}  // namespace

void swiglu_forward(const bf16* g, const bf16* u, bf16* h, int64_t n, cudaStream_t stream) {
  launch_forward<false>(g, u, h, n, stream);
}

void swiglu_backward(const bf16* dh, const bf16* g, const bf16* u, bf16* dg, bf16* du, int64_t n,
                     cudaStream_t stream) {
  launch_backward<false>(dh, g, u, dg, du, n, stream);
}

void geglu_tanh_forward(const bf16* g, const bf16* u, bf16* h, int64_t n, cudaStream_t stream) {
  launch_forward<true>(g, u, h, n, stream);
}

void geglu_tanh_backward(const bf16* dh, const bf16* g, const bf16* u, bf16* dg, bf16* du, int64_t n,
                         cudaStream_t stream) {
  launch_backward<true>(dh, g, u, dg, du, n, stream);
}

}  // namespace tf::cuda
