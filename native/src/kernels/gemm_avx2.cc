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

__attribute__((target("avx2,fma"))) float dot(const float* a, const float* b, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  const __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
  const __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  float lanes[4];
  _mm_storeu_ps(lanes, h);
  float r = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; i < n; ++i) r += a[i] * b[i];
  return r;
}
}  // namespace

MicroKernel micro_kernel_avx2() { return {kMR, kNR, kernel, dot}; }

}  // namespace tf::kernels
