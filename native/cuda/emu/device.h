#pragma once
// Device-side CUDA for the emulator: the qualifiers, built-in indices, barriers, warp shuffles, atomics and
// math intrinsics that native/cuda's kernels use, as plain C++ over scheduler.h. Included through the shim
// headers in emu/include (cuda_runtime.h), so kernel sources compile unchanged; translate.mjs only rewrites
// the two things C++ cannot spell: `kernel<<<grid, block, smem, stream>>>(args)` and `extern __shared__`.
#include <math.h>  // the C names (expf, isfinite, ...) in the global namespace, as device code sees them

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "scheduler.h"
#include "vector_types.h"

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __constant__
// Shared memory is per block; blocks run one at a time, so a function-local static is exactly that.
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))

#define threadIdx (::tf_emu::current_thread().idx)
#define blockIdx (::tf_emu::current_block_idx())
#define blockDim (::tf_emu::current_block_dim())
#define gridDim (::tf_emu::current_grid_dim())
constexpr int warpSize = 32;

inline void __syncthreads() { ::tf_emu::block_barrier(); }

namespace tf_emu {
struct NoArgs {};
inline void combine_nothing(void* const*, unsigned) {}

template <typename T>
struct ShuffleArgs {
  T in, out;
  int src;  // the lane whose `in` this lane reads
};
template <typename T>
void combine_shuffle(void* const* lane_args, unsigned mask) {
  for (int l = 0; l < 32; ++l) {
    if (!(mask & (1u << l))) continue;
    auto* a = static_cast<ShuffleArgs<T>*>(lane_args[l]);
    // A source lane outside the mask has no defined value on the device: a kernel that reads one is wrong.
    if (!(mask & (1u << a->src)))
      kernel_fault("a shuffle in lane " + std::to_string(l) + " reads lane " + std::to_string(a->src) +
                   ", which is not in its mask");
    a->out = static_cast<ShuffleArgs<T>*>(lane_args[a->src])->in;
  }
}
template <typename T>
T shuffle(const char* op, unsigned mask, T v, int src) {
  ShuffleArgs<T> a{v, v, src};
  warp_collective(op, mask, &a, &combine_shuffle<T>);
  return a.out;
}

// Votes: every lane of the mask gets the mask's lanes whose predicate is nonzero, one bit per lane.
struct VoteArgs {
  int pred;
  unsigned bits;
};
inline void combine_vote(void* const* lane_args, unsigned mask) {
  unsigned bits = 0;
  for (int l = 0; l < 32; ++l)
    if ((mask & (1u << l)) && static_cast<VoteArgs*>(lane_args[l])->pred) bits |= 1u << l;
  for (int l = 0; l < 32; ++l)
    if (mask & (1u << l)) static_cast<VoteArgs*>(lane_args[l])->bits = bits;
}
inline unsigned vote(const char* op, unsigned mask, int pred) {
  VoteArgs a{pred, 0};
  warp_collective(op, mask, &a, &combine_vote);
  return a.bits;
}
}  // namespace tf_emu

inline unsigned __ballot_sync(unsigned mask, int pred) { return ::tf_emu::vote("__ballot_sync", mask, pred); }
inline int __any_sync(unsigned mask, int pred) { return ::tf_emu::vote("__any_sync", mask, pred) != 0; }
inline int __all_sync(unsigned mask, int pred) { return ::tf_emu::vote("__all_sync", mask, pred) == mask; }

inline void __syncwarp(unsigned mask = 0xffffffffu) {
  ::tf_emu::NoArgs a;
  ::tf_emu::warp_collective("__syncwarp", mask, &a, &::tf_emu::combine_nothing);
}
template <typename T>
T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
  const int lane = ::tf_emu::lane_id();
  const int src = (lane ^ lane_mask) & 31;
  // With width < 32, a lane may read earlier groups but reads its own value for a later one (programming guide).
  return ::tf_emu::shuffle("__shfl_xor_sync", mask, v, src / width > lane / width ? lane : src);
}
template <typename T>
T __shfl_sync(unsigned mask, T v, int src_lane, int width = 32) {
  const int lane = ::tf_emu::lane_id();
  return ::tf_emu::shuffle("__shfl_sync", mask, v, (lane / width) * width + ((src_lane % width) + width) % width);
}
template <typename T>
T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
  const int lane = ::tf_emu::lane_id();
  const int src = lane + int(delta);
  return ::tf_emu::shuffle("__shfl_down_sync", mask, v, (src / width == lane / width) ? src : lane);
}

// Atomics: blocks and threads never run at the same time, so a plain read-modify-write is atomic.
template <typename T>
T atomicAdd(T* p, T v) {
  static_assert(std::is_arithmetic_v<T>, "atomicAdd on an arithmetic type");
  const T old = *p;
  *p = old + v;
  return old;
}
template <typename T>
T atomicMax(T* p, T v) {
  const T old = *p;
  if (v > old) *p = v;
  return old;
}

// Math intrinsics. The emulator is compiled with -ffp-contract=off, so a * b + c rounds twice, as the _rn
// intrinsics promise; the fast approximations (__expf, __sincosf) become the precise functions, which are within
// the device's documented error of them.
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fsqrt_rn(float a) { return std::sqrt(a); }
inline float __expf(float a) { return std::exp(a); }
inline float __logf(float a) { return std::log(a); }
inline void __sincosf(float a, float* s, float* c) {
  *s = std::sin(a);
  *c = std::cos(a);
}
inline float rsqrtf(float a) { return 1.f / std::sqrt(a); }

// CUDA's global min/max overloads (the device headers give one per integer and float type pair).
template <typename A, typename B>
inline std::common_type_t<A, B> min(A a, B b) {
  using T = std::common_type_t<A, B>;
  return T(a) < T(b) ? T(a) : T(b);
}
template <typename A, typename B>
inline std::common_type_t<A, B> max(A a, B b) {
  using T = std::common_type_t<A, B>;
  return T(a) < T(b) ? T(b) : T(a);
}
