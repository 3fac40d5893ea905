// NF4 rows times a few input vectors without materializing fp32 weights (decoding one token). AVX-512 holds
// the 16-entry code table in one register, so a nibble → value lookup is a single permute; the value is
// code * absmax rounded to fp32, exactly what nf4_dequantize_rows produces.
#include <immintrin.h>

#include <algorithm>

#include "kernels/nf4_linear.h"

namespace tf::kernels {

namespace {

inline uint8_t nibble(const Nf4Tensor& W, int64_t e) {
  const uint8_t b = W.packed[size_t(e >> 1)];
  return (e & 1) ? (b & 0xF) : (b >> 4);  // first element in the high nibble
}

}  // namespace

__attribute__((target("avx512f,avx512vl,avx512bw")))
void nf4_rows_times_avx512(const Nf4Tensor& W, int64_t r0, int64_t r1, const float* x, int64_t M, float* y,
                           int64_t ldy) {
  const int64_t in = W.cols;
  const __m512 table = _mm512_loadu_ps(kNf4Code);
  const __m128i low4 = _mm_set1_epi8(0x0F);
  for (int64_t j = r0; j < r1; ++j) {
    __m512 acc[kNf4RowsMaxInputs];
    float tail[kNf4RowsMaxInputs] = {};
    for (int64_t i = 0; i < M; ++i) acc[i] = _mm512_setzero_ps();
    int64_t k = 0;
    while (k < in) {
      const int64_t e = j * in + k;
      const int64_t block = e / kNf4BlockSize;
      const int64_t seg = std::min<int64_t>(in - k, kNf4BlockSize - e % kNf4BlockSize);  // same absmax
      const float a = W.block_absmax(block);
      const __m512 va = _mm512_set1_ps(a);
      int64_t t = 0;
      // Scalar until the element index is even (a whole byte), then 16 elements (8 bytes) at a time.
      for (; t < seg && ((e + t) & 1); ++t)
        for (int64_t i = 0; i < M; ++i) tail[i] += x[i * in + k + t] * (kNf4Code[nibble(W, e + t)] * a);
      for (; t + 16 <= seg; t += 16) {
        const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(W.packed.data() + ((e + t) >> 1)));
        const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), low4), lo = _mm_and_si128(bytes, low4);
        // maskz forms: the plain intrinsics trip GCC 12's -Wmaybe-uninitialized inside its own header.
        const __m512i idx = _mm512_maskz_cvtepu8_epi32(0xFFFF, _mm_unpacklo_epi8(hi, lo));
        const __m512 w = _mm512_mul_ps(_mm512_maskz_permutexvar_ps(0xFFFF, idx, table), va);
        for (int64_t i = 0; i < M; ++i) acc[i] = _mm512_fmadd_ps(w, _mm512_loadu_ps(x + i * in + k + t), acc[i]);
      }
      for (; t < seg; ++t)
        for (int64_t i = 0; i < M; ++i) tail[i] += x[i * in + k + t] * (kNf4Code[nibble(W, e + t)] * a);
      k += seg;
    }
    for (int64_t i = 0; i < M; ++i) {
      float lanes[16];
      _mm512_storeu_ps(lanes, acc[i]);
      for (int w = 8; w >= 1; w /= 2)
        for (int l = 0; l < w; ++l) lanes[l] += lanes[l + w];
      y[i * ldy + j] = lanes[0] + tail[i];
    }
  }
}

}  // namespace tf::kernels
