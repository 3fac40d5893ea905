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

__attribute__((target("avx512f,avx512vl,avx512bw,fma"))) float dot(const float* a, const float* b, int64_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
    s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
  }
  for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
  }
  // Manual tree reduction: GCC 12's _mm512_reduce_add_ps trips -Wuninitialized inside its own header.
  float lanes[16];
  _mm512_storeu_ps(lanes, _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
  for (int w = 8; w >= 1; w /= 2)
    for (int l = 0; l < w; ++l) lanes[l] += lanes[l + w];
  return lanes[0];
}
}  // namespace

MicroKernel micro_kernel_avx512() { return {kMR, kNR, kernel, dot}; }

}  // namespace tf::kernels
