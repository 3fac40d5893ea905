// NF4 rows times a few input vectors without materializing fp32 weights (decoding: one token per sequence). AVX-512
// holds the 16-entry code table in one register, so a nibble → value lookup is a single permute; the value is
// code * absmax rounded to fp32, exactly what nf4_dequantize_rows produces.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "kernels/nf4_linear.h"

namespace tf::kernels {

namespace {

// Inputs per pass over a weight row. Larger batches take several passes, each decoding the row again. Measured on
// an 8192 × 2048 weight, 2 threads (AVX-512): 4 per pass was fastest at every batch from 1 to 64, about 0.6 ms per
// input; 8 per pass was as fast at 8 to 24 inputs but slower at 1 to 4, and 12 or 16 per pass were up to twice as
// slow. Re-decoding is cheap next to dequantizing the whole weight to fp32 in memory for the GEMM (26 ms at any
// batch from 5 to 16), which is what made a batch of 5 cost ten times a batch of 4 before.
constexpr int kInputsPerPass = 4;

inline uint8_t nibble(const Nf4Tensor& W, int64_t e) {
  const uint8_t b = W.packed[size_t(e >> 1)];
  return (e & 1) ? (b & 0xF) : (b >> 4);  // first element in the high nibble
}

// tail[i] += x[i * in] * w, as an explicit fused multiply-add: left to the compiler, the contraction differed
// between the loop vectorized across inputs (M = 4) and the scalar one (M = 1), and a sequence's logits then
// depended on its batch's size in the last bit.
template <int M>
__attribute__((target("avx512f,avx512vl,avx512bw")))
inline void tail_fma(float* tail, const float* x, int64_t in, float w) {
  for (int i = 0; i < M; ++i) tail[i] = std::fma(x[i * in], w, tail[i]);
}

// y[i * ldy + j] = x[i * in + ·] · deq(W)[j] for j in [r0, r1) and M inputs. M is a template parameter so the
// accumulators are registers, not a stack array indexed at run time. Each input's sum runs in the same order
// whatever M is, so a sequence's result does not depend on how many others share its batch.
template <int M>
__attribute__((target("avx512f,avx512vl,avx512bw")))
void rows_times(const Nf4Tensor& W, int64_t r0, int64_t r1, const float* x, float* y, int64_t ldy) {
  const int64_t in = W.cols;
  const __m512 table = _mm512_loadu_ps(kNf4Code);
  const __m128i low4 = _mm_set1_epi8(0x0F);
  for (int64_t j = r0; j < r1; ++j) {
    __m512 acc[M];
    float tail[M] = {};
    for (int i = 0; i < M; ++i) acc[i] = _mm512_setzero_ps();
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
        tail_fma<M>(tail, x + k + t, in, kNf4Code[nibble(W, e + t)] * a);
      for (; t + 16 <= seg; t += 16) {
        const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(W.packed.data() + ((e + t) >> 1)));
        const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), low4), lo = _mm_and_si128(bytes, low4);
        // maskz forms: the plain intrinsics trip GCC 12's -Wmaybe-uninitialized inside its own header.
        const __m512i idx = _mm512_maskz_cvtepu8_epi32(0xFFFF, _mm_unpacklo_epi8(hi, lo));
        const __m512 w = _mm512_mul_ps(_mm512_maskz_permutexvar_ps(0xFFFF, idx, table), va);
        for (int i = 0; i < M; ++i) acc[i] = _mm512_fmadd_ps(w, _mm512_loadu_ps(x + i * in + k + t), acc[i]);
      }
      for (; t < seg; ++t)
        tail_fma<M>(tail, x + k + t, in, kNf4Code[nibble(W, e + t)] * a);
      k += seg;
    }
    for (int i = 0; i < M; ++i) {
      float lanes[16];
      _mm512_storeu_ps(lanes, acc[i]);
      for (int w = 8; w >= 1; w /= 2)
        for (int l = 0; l < w; ++l) lanes[l] += lanes[l + w];
      y[i * ldy + j] = lanes[0] + tail[i];
    }
  }
}

using RowsTimesFn = void (*)(const Nf4Tensor&, int64_t, int64_t, const float*, float*, int64_t);

template <size_t... I>
constexpr std::array<RowsTimesFn, sizeof...(I)> rows_times_table(std::index_sequence<I...>) {
  return {&rows_times<int(I) + 1>...};
}

// kRowsTimes[m - 1] handles m inputs in one pass.
constexpr auto kRowsTimes = rows_times_table(std::make_index_sequence<kInputsPerPass>{});

}  // namespace

void nf4_rows_times_avx512(const Nf4Tensor& W, int64_t r0, int64_t r1, const float* x, int64_t M, float* y,
                           int64_t ldy) {
  // Inputs outermost: a pass's inputs (4 × in floats, 32 KB at in = 2048) stay in cache across the rows.
  for (int64_t c = 0; c < M; c += kInputsPerPass) {
    const int64_t m = std::min<int64_t>(kInputsPerPass, M - c);
    kRowsTimes[size_t(m - 1)](W, r0, r1, x + c * W.cols, y + c * ldy, ldy);
  }
}

}  // namespace tf::kernels
