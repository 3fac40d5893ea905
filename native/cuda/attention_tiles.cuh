#pragma once
// What attention.cu (forward) and attention_backward.cu share: the mma operand loads from shared-memory tiles,
// the segment starts and tile copies every block stages, and the launchers' plan dimensions, pointer checks and
// shared-memory opt-in. The algorithm is described at the top of each of the two files.
#include <climits>
#include <cstdint>
#include <string>

#include "api.h"
#include "attention_math.h"
#include "common.cuh"
#include "host/attention_plan.h"
#include "ptx.cuh"

namespace tf::cuda::attention_detail {

constexpr unsigned kFullMask = 0xffffffffu;

// The three ways the kernels read mma operands out of a [rows, rs] shared-memory tile (ptx.cuh's layouts). One
// ldmatrix x4 each: lane l names row l % 8 of matrix l / 8; the matrices are listed per function.
//
// A operand, rows row0..row0+15 by columns 16kk..16kk+15 (A[m][k] = tile[row0 + m][16kk + k]): matrices (rows +0,
// cols +0), (rows +8, cols +0), (rows +0, cols +8), (rows +8, cols +8).
__device__ __forceinline__ void load_a(const bf16* tile, int rs, int row0, int kk, uint32_t (&a)[4]) {
  const int lane = threadIdx.x & 31, mat = lane >> 3, mrow = lane & 7;
  ptx::ldmatrix_x4(a, tile + (row0 + (mat & 1) * 8 + mrow) * rs + kk * 16 + (mat >> 1) * 8);
}
// B operands of two products whose n runs along the tile's rows (B[k][n] = tile[16n2 + n][16kk + k], e.g. Kᵀ):
// b0 for rows 16n2..+7, b1 for +8..15; matrices (rows +0, cols +0), (rows +0, cols +8), (rows +8, cols +0),
// (rows +8, cols +8), read as they are.
__device__ __forceinline__ void load_b_rows_as_n(const bf16* tile, int rs, int n2, int kk, uint32_t (&b0)[2],
                                                 uint32_t (&b1)[2]) {
  const int lane = threadIdx.x & 31, mat = lane >> 3, mrow = lane & 7;
  uint32_t r[4];
  ptx::ldmatrix_x4(r, tile + (n2 * 16 + (mat >> 1) * 8 + mrow) * rs + kk * 16 + (mat & 1) * 8);
  b0[0] = r[0], b0[1] = r[1], b1[0] = r[2], b1[1] = r[3];
}
// B operands of two products whose k runs along the tile's rows (B[k][n] = tile[16kk + k][16f + n], e.g. V): b0
// for columns 16f..+7, b1 for +8..15; matrices (rows +0, cols +0), (rows +8, cols +0), (rows +0, cols +8),
// (rows +8, cols +8), read transposed.
__device__ __forceinline__ void load_b_rows_as_k(const bf16* tile, int rs, int kk, int f, uint32_t (&b0)[2],
                                                 uint32_t (&b1)[2]) {
  const int lane = threadIdx.x & 31, mat = lane >> 3, mrow = lane & 7;
  uint32_t r[4];
  ptx::ldmatrix_x4_trans(r, tile + (kk * 16 + (mat & 1) * 8 + mrow) * rs + f * 16 + (mat >> 1) * 8);
  b0[0] = r[0], b0[1] = r[1], b1[0] = r[2], b1[1] = r[3];
}

// The smallest and largest first visible key over a tile's tile_rows staged rows (rows past T hold INT_MAX: the
// smallest is then that of the valid rows, the largest INT_MAX), reduced across the warp, so each lane reads
// tile_rows / 32 of them rather than every one. All 32 lanes must call it.
struct SegBounds {
  int lo, hi;
};
__device__ __forceinline__ SegBounds warp_seg_bounds(const int* sseg, int tile_rows) {
  SegBounds r{INT_MAX, INT_MIN};
  for (int i = threadIdx.x & 31; i < tile_rows; i += 32) r.lo = min(r.lo, sseg[i]), r.hi = max(r.hi, sseg[i]);
#pragma unroll
  for (int x = 16; x >= 1; x >>= 1) {
    r.lo = min(r.lo, __shfl_xor_sync(kFullMask, r.lo, x));
    r.hi = max(r.hi, __shfl_xor_sync(kFullMask, r.hi, x));
  }
  return r;
}

// Each query row's first visible key (clamped into [0, i]), INT_MAX for rows past T so they see no key.
__device__ __forceinline__ void load_segments(int* sseg, int tile_rows, const int32_t* __restrict__ seg, int64_t b,
                                              int64_t T, int64_t q0, int rows) {
  for (int r = threadIdx.x; r < tile_rows; r += blockDim.x)
    sseg[r] = r < rows ? int(attn_clamp_seg(seg ? seg[b * T + q0 + r] : 0, q0 + r)) : INT_MAX;
}

// Rows [0, rows) of a bf16 matrix with row stride ld (the tile's first element at src) into a [tile_rows, stride]
// shared-memory tile with cp.async (the caller commits and waits), zero beyond `rows` and beyond hd (up to
// hd_pad): zero keys/values/queries contribute nothing and never inject NaN from uninitialized memory. 16-byte
// copies: hd % 8 == 0 and 16-byte-aligned bases (checked by the launchers).
__device__ __forceinline__ void load_tile_async(bf16* dst, int stride, int tile_rows, const bf16* __restrict__ src,
                                                int64_t ld, int rows, int hd, int hd_pad) {
  const int chunks = hd_pad / 8;
  for (int idx = threadIdx.x; idx < tile_rows * chunks; idx += blockDim.x) {
    const int r = idx / chunks, c = (idx % chunks) * 8;
    const bool fill = r < rows && c < hd;
    ptx::cp_async_16(dst + r * stride + c, fill ? src + int64_t(r) * ld + c : src, fill);
  }
}

inline AttnPlanDims plan_dims(const AttnDims& d) {
  AttnPlanDims p;
  p.B = d.B;
  p.T = d.T;
  p.nh = d.nh;
  p.nkv = d.nkv;
  p.hd = d.hd;
  return p;
}

inline void check_tensor(const void* ptr, const char* name) {
  TF_CHECK(ptr != nullptr, std::string("attention: ") + name + " is null");
  TF_CHECK(reinterpret_cast<uintptr_t>(ptr) % 16 == 0,
           std::string("attention: ") + name +
               " must be 16-byte aligned (rows are read 8 bf16 at a time; allocate or offset it by multiples of 8 "
               "elements)");
}

inline int64_t smem_optin_limit() {
  int dev = 0, bytes = 0;
  CUDA_CHECK(cudaGetDevice(&dev));
  CUDA_CHECK(cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
  return bytes;
}

// Opts the kernel into more than 48 KiB of dynamic shared memory when its plan needs it (throws if it cannot fit).
template <typename Kernel>
void prepare_smem(Kernel kernel, const char* name, int64_t bytes) {
  if (attention_smem_check(name, bytes, smem_optin_limit()))
    CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)));
}

}  // namespace tf::cuda::attention_detail
