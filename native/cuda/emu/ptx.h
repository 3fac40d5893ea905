#pragma once
// The inline PTX of native/cuda/ptx.cuh for the emulator: ldmatrix, mma.sync m16n8k16 (bf16 in, fp32
// accumulate) and cp.async, with the register layouts the PTX ISA documents ("Matrix Fragments for
// mma.m16n8k16 with floating point type", "Warp-level matrix load instruction: ldmatrix"). Unlike WMMA's opaque
// fragments these layouts are the contract kernels are written against, so the emulator implements exactly them:
// a kernel that assumes another layout gets wrong numbers here as on a device.
//   with g = lane / 4, t = lane % 4, each register holding two bf16 (the lower column in the low half):
//   A (16x16, row-major):  a0 = A[g][2t..2t+1]    a1 = A[g+8][2t..]    a2 = A[g][2t+8..]    a3 = A[g+8][2t+8..]
//   B (16x8, k x n):       b0 = B[2t..2t+1][g]    b1 = B[2t+8..2t+9][g]
//   C, D (16x8, fp32):     c0, c1 = C[g][2t], C[g][2t+1]    c2, c3 = C[g+8][2t], C[g+8][2t+1]
//   ldmatrix .x4: lanes 8m..8m+7 give the row addresses of matrix m (8 rows of 8 bf16, 16-byte aligned, in shared
//   memory); register m of lane l holds row l/4, columns 2(l%4) and 2(l%4)+1 of matrix m, or with .trans
//   rows 2(l%4) and 2(l%4)+1 of column l/4.
// Every call is a warp collective over all 32 lanes, as .sync.aligned requires.
#include <cstdint>
#include <cstring>
#include <string>

#include "bf16.h"
#include "scheduler.h"

namespace tf_emu::ptx {

inline uint16_t bf16_at(const void* row, int col) {
  uint16_t v;
  std::memcpy(&v, static_cast<const unsigned char*>(row) + 2 * col, 2);
  return v;
}

struct LdmatrixArgs {
  const void* row;  // this lane's row address
  uint32_t* out;    // num registers
  int num;
  bool trans;
};

inline void combine_ldmatrix(void* const* lane_args, unsigned) {
  const auto* first = static_cast<LdmatrixArgs*>(lane_args[0]);
  const int num = first->num;
  const void* rows[32];
  for (int l = 0; l < 32; ++l) {
    const auto* a = static_cast<LdmatrixArgs*>(lane_args[l]);
    if (a->num != num || a->trans != first->trans)
      kernel_fault("ldmatrix: lanes 0 and " + std::to_string(l) + " use different qualifiers");
    rows[l] = a->row;
    if (l >= 8 * num) continue;  // .x1 and .x2 read the addresses of lanes 0-7 and 0-15 only
    if (reinterpret_cast<uintptr_t>(a->row) % 16 != 0)
      kernel_fault("ldmatrix: lane " + std::to_string(l) + "'s row address is not 16-byte aligned");
    if (!in_shared_memory(a->row, 16))
      kernel_fault("ldmatrix: lane " + std::to_string(l) + "'s row address is not in shared memory");
  }
  for (int l = 0; l < 32; ++l) {
    auto* a = static_cast<LdmatrixArgs*>(lane_args[l]);
    for (int m = 0; m < num; ++m) {
      const void* const* mat = rows + 8 * m;
      uint16_t lo, hi;
      if (first->trans) {
        lo = bf16_at(mat[2 * (l % 4)], l / 4);
        hi = bf16_at(mat[2 * (l % 4) + 1], l / 4);
      } else {
        lo = bf16_at(mat[l / 4], 2 * (l % 4));
        hi = bf16_at(mat[l / 4], 2 * (l % 4) + 1);
      }
      a->out[m] = uint32_t(lo) | (uint32_t(hi) << 16);
    }
  }
}

template <int kNum>
void ldmatrix(uint32_t (&r)[kNum], const void* row, bool trans) {
  static_assert(kNum == 1 || kNum == 2 || kNum == 4, "ldmatrix loads 1, 2 or 4 matrices");
  LdmatrixArgs a{row, r, kNum, trans};
  warp_collective(trans ? "ldmatrix.trans" : "ldmatrix", 0xffffffffu, &a, &combine_ldmatrix);
}

struct MmaArgs {
  float* d;
  const uint32_t* a;
  const uint32_t* b;
};

inline float lo_bf16(uint32_t r) { return bf16_bits_to_float(static_cast<unsigned short>(r & 0xffffu)); }
inline float hi_bf16(uint32_t r) { return bf16_bits_to_float(static_cast<unsigned short>(r >> 16)); }

// D = A B + D for m16n8k16: the layouts in the file comment. Products of bf16 values are exact in fp32; the sum
// runs in fp32 in k order from the accumulator, as the WMMA emulation does.
inline void combine_mma_16816(void* const* lane_args, unsigned) {
  float A[16][16], B[16][8], C[16][8];
  for (int l = 0; l < 32; ++l) {
    const auto* m = static_cast<MmaArgs*>(lane_args[l]);
    const int g = l / 4, t = l % 4;
    for (int half = 0; half < 2; ++half) {  // columns 2t.. then 2t+8..
      const int c = 2 * t + 8 * half;
      const uint32_t top = m->a[2 * half], bottom = m->a[2 * half + 1];
      A[g][c] = lo_bf16(top), A[g][c + 1] = hi_bf16(top);
      A[g + 8][c] = lo_bf16(bottom), A[g + 8][c + 1] = hi_bf16(bottom);
      B[c][g] = lo_bf16(m->b[half]), B[c + 1][g] = hi_bf16(m->b[half]);
    }
    C[g][2 * t] = m->d[0], C[g][2 * t + 1] = m->d[1];
    C[g + 8][2 * t] = m->d[2], C[g + 8][2 * t + 1] = m->d[3];
  }
  for (int i = 0; i < 16; ++i)
    for (int k = 0; k < 16; ++k)
      for (int j = 0; j < 8; ++j) C[i][j] += A[i][k] * B[k][j];
  for (int l = 0; l < 32; ++l) {
    auto* m = static_cast<MmaArgs*>(lane_args[l]);
    const int g = l / 4, t = l % 4;
    m->d[0] = C[g][2 * t], m->d[1] = C[g][2 * t + 1];
    m->d[2] = C[g + 8][2 * t], m->d[3] = C[g + 8][2 * t + 1];
  }
}

inline void mma_bf16_16816(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
  MmaArgs m{d, a, b};
  warp_collective("mma.sync.m16n8k16", 0xffffffffu, &m, &combine_mma_16816);
}

}  // namespace tf_emu::ptx
