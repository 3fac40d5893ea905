#pragma once
// Warp-level tensor-core loads and products and asynchronous copies (sm_80 and newer) as inline PTX, for kernels
// that keep their tiles in registers instead of WMMA's opaque fragments (attention.cu's forward):
//   ldmatrix_x4 / ldmatrix_x4_trans: four 8x8 bf16 matrices from shared memory; lane l gives the address of row
//     l % 8 of matrix l / 8, and register m receives row l/4, columns 2(l%4)..+1 of matrix m (with _trans: rows
//     2(l%4)..+1 of column l/4, i.e. the matrix transposed);
//   mma_bf16_16816: d += a · b for a 16x16 bf16 A (4 registers), a 16x8 bf16 B (2 registers) and a 16x8 fp32
//     accumulator (4 floats). With g = lane / 4 and t = lane % 4 (low half of a register = the lower column):
//       a[0] = A[g][2t..2t+1]   a[1] = A[g+8][2t..]   a[2] = A[g][2t+8..]   a[3] = A[g+8][2t+8..]
//       b[0] = B[2t..2t+1][g]   b[1] = B[2t+8..2t+9][g]
//       d[0], d[1] = D[g][2t], D[g][2t+1]    d[2], d[3] = D[g+8][2t], D[g+8][2t+1]
//     so two neighbouring 16x8 accumulators, rounded to bf16 pairs, are exactly an A operand (FlashAttention's P).
//   cp_async_16: 16 bytes global -> shared without passing through registers (zeros when !fill); copies issued
//     since the last cp_async_commit form a group, and cp_async_wait<N> returns once at most the N newest
//     groups are still in flight. The copies are visible to other threads only after the wait and a barrier.
// The layouts are the PTX ISA's; the emulator (emu/ptx.h) implements the same ones, which is how kernels written
// against them are checked without a GPU.
#include <cstdint>

#include "common.cuh"

#ifdef TF_CUDA_EMULATOR
#include "emu/ptx.h"
#endif

namespace tf::cuda::ptx {

// Two floats rounded to bf16 (nearest even) in one register, lo in the low half.
__device__ __forceinline__ uint32_t pack_bf16x2(float lo, float hi) {
#ifdef TF_CUDA_EMULATOR
  return uint32_t(to_bf(lo).__x) | (uint32_t(to_bf(hi).__x) << 16);
#else
  const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);  // .x = lo: the low half
  return *reinterpret_cast<const uint32_t*>(&v);
#endif
}

// Two neighbouring 16x8 fp32 accumulators (columns 0-7 and 8-15 of a 16x16 tile) as the bf16 A operand of a
// following mma: the C layout of each half is exactly the A layout's (see above), so this is only the rounding.
__device__ __forceinline__ void accumulators_to_a(const float (&left)[4], const float (&right)[4], uint32_t (&a)[4]) {
  a[0] = pack_bf16x2(left[0], left[1]);
  a[1] = pack_bf16x2(left[2], left[3]);
  a[2] = pack_bf16x2(right[0], right[1]);
  a[3] = pack_bf16x2(right[2], right[3]);
}

#ifdef TF_CUDA_EMULATOR

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const bf16* row) { ::tf_emu::ptx::ldmatrix(r, row, false); }
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const bf16* row) {
  ::tf_emu::ptx::ldmatrix(r, row, true);
}
__device__ __forceinline__ void mma_bf16_16816(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
  ::tf_emu::ptx::mma_bf16_16816(d, a, b);
}
__device__ __forceinline__ void cp_async_16(void* smem, const void* gmem, bool fill) {
  ::tf_emu::async_copy(smem, gmem, 16, !fill);
}
__device__ __forceinline__ void cp_async_commit() { ::tf_emu::async_commit(); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
  ::tf_emu::async_wait(N);
}

#else

__device__ __forceinline__ uint32_t smem_address(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// "memory" clobbers: the compiler must not move ordinary shared-memory stores past these loads (or past the
// wait that makes cp.async data visible).
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const bf16* row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(row))
               : "memory");
}
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const bf16* row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(row))
               : "memory");
}
__device__ __forceinline__ void mma_bf16_16816(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}
// .cg: cached in L2 only (each K/V tile is read once per block); src-size 0 reads nothing and writes zeros.
__device__ __forceinline__ void cp_async_16(void* smem, const void* gmem, bool fill) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_address(smem)), "l"(gmem),
               "r"(fill ? 16 : 0)
               : "memory");
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

#endif

}  // namespace tf::cuda::ptx
