// AVX-512 GEMM micro-kernel: MR x 32 tile, accumulators in 2*MR zmm registers, B loaded once per k and A
// broadcast from memory (folds into the FMA's embedded broadcast).
#include <immintrin.h>

#include "kernels/gemm.h"

namespace tf::kernels {

namespace {
constexpr int kMR = 12, kNR = 32;

__attribute__((target("avx512f,avx512vl,avx512bw,fma"))) void kernel(int64_t kc, const float* Ap,
                                                                      const float* Bp, float* C, int64_t ldc,
                                                                      float alpha, float beta, bool overwrite) {
  __m512 acc[kMR][2];
#pragma GCC unroll 16
  for (int i = 0; i < kMR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_loadu_ps(Bp), b1 = _mm512_loadu_ps(Bp + 16);
#pragma GCC unroll 16
    for (int i = 0; i < kMR; ++i) {
      const __m512 a = _mm512_set1_ps(Ap[i]);
      acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
    }
    Ap += kMR;
    Bp += kNR;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
  for (int i = 0; i < kMR; ++i) {
    float* c = C + i * ldc;
    if (overwrite) {
      _mm512_storeu_ps(c, _mm512_mul_ps(va, acc[i][0]));
      _mm512_storeu_ps(c + 16, _mm512_mul_ps(va, acc[i][1]));
    } else {
      _mm512_storeu_ps(c, _mm512_fmadd_ps(va, acc[i][0], _mm512_mul_ps(vb, _mm512_loadu_ps(c))));
      _mm512_storeu_ps(c + 16, _mm512_fmadd_ps(va, acc[i][1], _mm512_mul_ps(vb, _mm512_loadu_ps(c + 16))));
    }
  }
}
}  // namespace

MicroKernel micro_kernel_avx512() { return {kMR, kNR, kernel}; }

}  // namespace tf::kernels
