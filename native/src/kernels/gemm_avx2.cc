// AVX2+FMA GEMM micro-kernel: 6 x 16 tile in 12 ymm accumulators (the classic Haswell-class shape: 12 acc
// + 2 B + 1 broadcast = 15 of 16 registers).
#include <immintrin.h>

#include "kernels/gemm.h"

namespace tf::kernels {

namespace {
constexpr int kMR = 6, kNR = 16;

__attribute__((target("avx2,fma"))) void kernel(int64_t kc, const float* Ap, const float* Bp, float* C, int64_t ldc,
                                                float alpha, float beta, bool overwrite) {
  __m256 acc[kMR][2];
#pragma GCC unroll 8
  for (int i = 0; i < kMR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(Bp), b1 = _mm256_loadu_ps(Bp + 8);
#pragma GCC unroll 8
    for (int i = 0; i < kMR; ++i) {
      const __m256 a = _mm256_broadcast_ss(Ap + i);
      acc[i][0] = _mm256_fmadd_ps(a, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(a, b1, acc[i][1]);
    }
    Ap += kMR;
    Bp += kNR;
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#pragma GCC unroll 8
  for (int i = 0; i < kMR; ++i) {
    float* c = C + i * ldc;
    if (overwrite) {
      _mm256_storeu_ps(c, _mm256_mul_ps(va, acc[i][0]));
      _mm256_storeu_ps(c + 8, _mm256_mul_ps(va, acc[i][1]));
    } else {
      _mm256_storeu_ps(c, _mm256_fmadd_ps(va, acc[i][0], _mm256_mul_ps(vb, _mm256_loadu_ps(c))));
      _mm256_storeu_ps(c + 8, _mm256_fmadd_ps(va, acc[i][1], _mm256_mul_ps(vb, _mm256_loadu_ps(c + 8))));
    }
  }
}
}  // namespace

MicroKernel micro_kernel_avx2() { return {kMR, kNR, kernel}; }

}  // namespace tf::kernels
