#pragma once
// Shared by every kernel file: error checking that throws (the trainer runs inside a Node process, so a CUDA
// failure must become a JS Error, never exit()), bf16 conversions and warp/block reductions.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <string>

#include "common/error.h"

namespace tf::cuda {

inline void cuda_check(cudaError_t e, const char* what, const char* file, int line) {
  if (e != cudaSuccess)
    throw ::tf::Error(std::string("CUDA error at ") + file + ":" + std::to_string(line) + ": " + what + ": " +
                      cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
}

}  // namespace tf::cuda

#define CUDA_CHECK(call) ::tf::cuda::cuda_check((call), #call, __FILE__, __LINE__)
// After a launch: catches bad launch configurations at once (execution errors surface at the next sync).
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())

namespace tf::cuda {

using bf16 = __nv_bfloat16;

}  // namespace tf::cuda

// Device helpers only when nvcc compiles (cuda_check's host .cc files include this header for CUDA_CHECK).
#if defined(__CUDACC__) || defined(TF_CUDA_EMULATOR)
namespace tf::cuda {

__device__ __forceinline__ float to_f(bf16 x) { return __bfloat162float(x); }
__device__ __forceinline__ bf16 to_bf(float x) { return __float2bfloat16_rn(x); }

// N consecutive bf16 as floats: N = 8 in one 16-byte access (host/launch_plan.h bf16x8_groups says when the
// pointers allow it), N = 1 the element alone.
template <int N>
__device__ __forceinline__ void load_bf16s(const bf16* p, float (&v)[N]) {
  static_assert(N == 1 || N == 8, "one element or a 16-byte group");
  if constexpr (N == 8) {
    const uint4 raw = *reinterpret_cast<const uint4*>(p);
    const bf16* e = reinterpret_cast<const bf16*>(&raw);
#pragma unroll
    for (int i = 0; i < 8; ++i) v[i] = to_f(e[i]);
  } else {
    v[0] = to_f(*p);
  }
}
template <int N>
__device__ __forceinline__ void store_bf16s(bf16* p, const float (&v)[N]) {
  static_assert(N == 1 || N == 8, "one element or a 16-byte group");
  if constexpr (N == 8) {
    uint4 raw;
    bf16* e = reinterpret_cast<bf16*>(&raw);
#pragma unroll
    for (int i = 0; i < 8; ++i) e[i] = to_bf(v[i]);
    *reinterpret_cast<uint4*>(p) = raw;
  } else {
    *p = to_bf(v[0]);
  }
}

__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Sum over the block (blockDim.x a multiple of 32, <= 1024); every thread gets the result. `scratch` holds 32
// floats of shared memory. Two __syncthreads so the scratch can be reused by the next call.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_sum(v);
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : 0.f;
  v = warp_sum(v);
  __syncthreads();
  return v;
}
__device__ __forceinline__ float block_max(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_max(v);
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : -INFINITY;
  v = warp_max(v);
  __syncthreads();
  return v;
}

}  // namespace tf::cuda
#endif  // __CUDACC__
