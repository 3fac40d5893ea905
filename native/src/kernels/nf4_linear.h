#pragma once
// Frozen NF4 linear layer. Like bitsandbytes it dequantizes and calls an ordinary GEMM, but a panel of rows
// at a time into one reused scratch buffer (Unsloth's trick) so the fp32 copy never exists whole. Panels are
// multiples of kGemmKC rows, which makes the result bit-identical to the dense GEMM on the dequantized weight.
#include <cstdint>

#include "common/threadpool.h"
#include "quant/nf4.h"

namespace tf::kernels {

// y[N,out] = x[N,in] · deq(W)ᵀ (+ bias); W.rows = out, W.cols = in.
void nf4_linear_forward(ThreadPool* pool, const float* x, const Nf4Tensor& W, const float* bias, float* y, int64_t N);
// dx[N,in] (= or += when accumulate) dy[N,out] · deq(W). No weight gradient: the base is frozen.
void nf4_linear_backward(ThreadPool* pool, const float* dy, const Nf4Tensor& W, float* dx, bool accumulate, int64_t N);

// Internal: decoding (N <= kNf4RowsMaxInputs: one token for each of up to 32 sequences, or a short prompt) on
// AVX-512 reads the 4-bit weights directly instead of dequantizing a panel: y[i, j] = x[i] · deq(W)[j] for rows j in
// [r0, r1). Same weights, another summation order than the GEMM path, so it agrees with it to fp32 rounding, not
// bitwise; each input's result is the same bits whatever N is. Up to 32 inputs it beats dequantize + GEMM (about
// 0.6 ms per input against 26-40 ms for an 8192 × 2048 weight on 2 threads); around 48 they cross.
constexpr int64_t kNf4RowsMaxInputs = 32;
void nf4_rows_times_avx512(const Nf4Tensor& W, int64_t r0, int64_t r1, const float* x, int64_t M, float* y,
                           int64_t ldy);

}  // namespace tf::kernels
